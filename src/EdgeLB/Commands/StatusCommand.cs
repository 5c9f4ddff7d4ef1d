using System.CommandLine;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Commands;

/// <summary><c>edgelb status</c>: every VIP, where it is announced, its epoch, lease age and last gratuitous ARP.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var query = new StateQuery();
        var vip = new Option<string?>("--vip") { Description = "only this VIP" };
        var ns = new Option<string?>("--namespace", "-n") { Description = "only VIPs of Services in this namespace" };
        var command = new Command("status", "Show every VIP: Services, announcing node and interface, epoch, lease age, last gratuitous ARP (asks the coordinator).");
        query.AddTo(command);
        command.Options.Add(vip);
        command.Options.Add(ns);
        command.SetAction(async (parse, ct) =>
        {
            var request = new GetStateRequest { Vip = parse.GetValue(vip) ?? string.Empty, Namespace = parse.GetValue(ns) ?? string.Empty };
            var state = await query.GetAsync(parse, request, parse.InvocationConfiguration.Error, "status", ct);
            if (state is null)
            {
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteAsync(StateFormatter.Status(state));
            return 0;
        });
        return command;
    }
}
