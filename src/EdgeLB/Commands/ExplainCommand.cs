using System.CommandLine;
using System.Net;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Commands;

/// <summary>
/// <c>edgelb explain ns/name</c>: why the Service's VIP sits on its node and why no other node holds
/// it. <c>edgelb explain &lt;address&gt;</c>: the same for the VIP at that address, naming the
/// Services that hold it, whatever their namespace.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var query = new StateQuery();
        var service = new Argument<string>("service") { Description = "the Service, as namespace/name, or a VIP address (shows which Services hold it)" };
        var command = new Command("explain", "Explain why a Service's VIP (or the VIP at an address) is announced by its node and why every other node is not (asks the coordinator).");
        query.AddTo(command);
        command.Arguments.Add(service);
        command.SetAction(async (parse, ct) =>
        {
            var name = parse.GetValue(service) ?? string.Empty;
            if (IPAddress.TryParse(name, out var address))
            {
                // Matched here by value, not by the coordinator's text form, so any spelling of an IPv6 address works.
                return await AnswerAsync(
                    parse, query, new GetStateRequest(), state => StateFormatter.ExplainAddress(state, address), $"no Service holds {address}", ct);
            }

            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == name.Length - 1 || name.IndexOf('/', slash + 1) >= 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"edgelb explain: \"{name}\" is not namespace/name or an IP address");
                return 2;
            }

            return await AnswerAsync(
                parse, query, new GetStateRequest { Namespace = name[..slash] }, state => StateFormatter.Explain(state, name), $"no VIP serves {name} (is it a LoadBalancer Service that EdgeLB handles, with an address allocated?)", ct);
        });
        return command;
    }

    /// <summary>Asks the coordinator and prints the explanation; 1 when it cannot be asked or has nothing to say.</summary>
    private static async Task<int> AnswerAsync(ParseResult parse, StateQuery query, GetStateRequest request, Func<GetStateResponse, string?> explain, string nothing, CancellationToken ct)
    {
        var error = parse.InvocationConfiguration.Error;
        var state = await query.GetAsync(parse, request, error, "explain", ct);
        if (state is null)
        {
            return 1;
        }

        if (explain(state) is not { } text)
        {
            await error.WriteLineAsync($"edgelb explain: {nothing}");
            return 1;
        }

        await parse.InvocationConfiguration.Output.WriteAsync(text);
        return 0;
    }
}
