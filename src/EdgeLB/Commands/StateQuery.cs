using System.CommandLine;
using EdgeLB.Kubernetes.Configuration;
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

    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "file holding the bearer token to send (default: the kubeconfig's token)" };

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "kubeconfig whose token to send (default $KUBECONFIG, then ~/.kube/config; in a Pod its service-account token)" };

    public Option<string?> Context { get; } = new("--context") { Description = "kubeconfig context (default: the current one)" };

    public Option<TimeSpan> Timeout { get; } = new("--timeout") { Description = "how long to wait for the answer", DefaultValueFactory = _ => TimeSpan.FromSeconds(5) };

    public void AddTo(Command command)
    {
        command.Options.Add(Controller);
        command.Options.Add(TokenFile);
        command.Options.Add(Kubeconfig);
        command.Options.Add(Context);
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
            if (await TokenAsync(parse, ct) is { Length: > 0 } token)
            {
                headers.Add("authorization", "Bearer " + token);
            }

            using var channel = RpcChannel.Create(endpoint.Uri);
            return await channel.UnaryAsync(CoordinatorMethods.GetState, request, CallOptions.FromTimeout(parse.GetValue(Timeout), headers, ct));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            await error.WriteLineAsync($"edgelb {command}: {endpoint} refused the credential: {ex.Message} (it takes a speaker's token or one whose user may list services in every namespace; see --kubeconfig, --token-file)");
            return null;
        }
        catch (Exception ex) when (ex is RpcException or IOException or UnauthorizedAccessException or KubeConfigException)
        {
            await error.WriteLineAsync($"edgelb {command}: cannot get the state from {endpoint}: {ex.Message}");
            return null;
        }
    }

    /// <summary>The token of --token-file, else of the kubeconfig (or the Pod's service account); null when there is none.</summary>
    private async Task<string?> TokenAsync(ParseResult parse, CancellationToken ct)
    {
        if (parse.GetValue(TokenFile) is { } path)
        {
            return (await File.ReadAllTextAsync(path, ct)).Trim();
        }

        var kubeconfig = parse.GetValue(Kubeconfig);
        var context = parse.GetValue(Context);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var anyConfig = kubeconfig is not null || context is not null
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG"))
            || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST"))
            || File.Exists(Path.Combine(home, ".kube", "config"));
        return anyConfig ? await KubernetesClientConfiguration.Load(kubeconfig, context).GetBearerTokenAsync(ct) : null;
    }
}
