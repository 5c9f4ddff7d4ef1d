using System.CommandLine;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Commands;

/// <summary><c>edgelb explain ns/name</c>: why the Service's VIP sits on its node and why no other node holds it.</summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var query = new StateQuery();
        var service = new Argument<string>("service") { Description = "the Service, as namespace/name" };
        var command = new Command("explain", "Explain why a Service's VIP is announced by its node and why every other node is not (asks the coordinator).");
        query.AddTo(command);
        command.Arguments.Add(service);
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var name = parse.GetValue(service) ?? string.Empty;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == name.Length - 1 || name.IndexOf('/', slash + 1) >= 0)
            {
                await error.WriteLineAsync($"edgelb explain: \"{name}\" is not namespace/name");
                return 2;
            }

            var state = await query.GetAsync(parse, new GetStateRequest { Namespace = name[..slash] }, error, "explain", ct);
            if (state is null)
            {
                return 1;
            }

            if (StateFormatter.Explain(state, name) is not { } text)
            {
                await error.WriteLineAsync($"edgelb explain: no VIP serves {name} (is it a LoadBalancer Service that EdgeLB handles, with an address allocated?)");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteAsync(text);
            return 0;
        });
        return command;
    }
}
