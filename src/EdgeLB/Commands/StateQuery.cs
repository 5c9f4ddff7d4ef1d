using System.CommandLine;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Hosting;
using EdgeLB.Speaker.Session;

namespace EdgeLB.Commands;

/// <summary>The flags and the Coordinator.GetState call that <c>edgelb status</c> and <c>edgelb explain</c> share.</summary>
internal sealed class StateQuery
{
    public Option<string?> Controller { get; } = new("--controller")
    {
        Description = $"coordinator gRPC address, host:port (default $EDGELB_CONTROLLER, then {SpeakerOptions.DefaultController})",
    };

    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "bearer token to send, if the coordinator asks for one" };

    public Option<TimeSpan> Timeout { get; } = new("--timeout") { Description = "how long to wait for the answer", DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };

    public void AddTo(Command command)
    {
        command.Options.Add(Controller);
        command.Options.Add(TokenFile);
        command.Options.Add(Timeout);
    }

    /// <summary>Asks the coordinator; null (with the reason written to <paramref name="error"/>) when it cannot.</summary>
    public async Task<GetStateResponse?> GetAsync(ParseResult parse, GetStateRequest request, TextWriter error, string command, CancellationToken ct)
    {
        var address = parse.GetValue(Controller) ?? Environment.GetEnvironmentVariable("EDGELB_CONTROLLER") ?? SpeakerOptions.DefaultController;
        if (!ControllerEndpoint.TryParse(address, out var endpoint))
        {
            await error.WriteLineAsync($"edgelb {command}: --controller: \"{address}\" is not host:port");
            return null;
        }

        var headers = new Metadata();
        try
        {
            if (parse.GetValue(TokenFile) is { } path)
            {
                headers.Add("authorization", "Bearer " + (await File.ReadAllTextAsync(path, ct)).Trim());
            }

            using var channel = RpcChannel.Create(endpoint.Uri);
            return await channel.UnaryAsync(CoordinatorMethods.GetState, request, CallOptions.FromTimeout(parse.GetValue(Timeout), headers, ct));
        }
        catch (Exception ex) when (ex is RpcException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"edgelb {command}: cannot get the state from {endpoint}: {ex.Message}");
            return null;
        }
    }
}
