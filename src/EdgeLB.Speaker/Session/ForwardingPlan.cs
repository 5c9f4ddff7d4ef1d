using System.Net;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Forwarding;
using ForwardBackend = EdgeLB.Speaker.Forwarding.Backend;
using EdgeLB.Rpc.Contract;

namespace EdgeLB.Speaker.Session;

/// <summary>What one Assignment asks the forwarder to do: every VIP:port with its backends and options.</summary>
/// <param name="Ports">The forwarded ports; an Assignment replaces the previous set whole.</param>
/// <param name="Problems">Ports or backends that were skipped and why, for the log.</param>
internal sealed record ForwardingPlan(IReadOnlyDictionary<VipPort, (IReadOnlyList<ForwardBackend> Backends, ServiceForwardingOptions Options)> Ports, IReadOnlyList<string> Problems)
{
    /// <summary>Kubernetes' default ClientIP affinity timeout (10800 s) when the Assignment gives none.</summary>
    private static readonly TimeSpan DefaultAffinityTimeout = TimeSpan.FromSeconds(10800);

    public static ForwardingPlan From(IPAddress vip, Assignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var problems = new List<string>();
        var options = ServiceForwardingOptions.Default;
        if (assignment.SessionAffinity is { ClientIp: true } affinity)
        {
            var timeout = affinity.Timeout.ToTimeSpanOrNull() is { } t && t > TimeSpan.Zero ? t : DefaultAffinityTimeout;
            options = options with { SessionAffinityTimeout = timeout };
        }

        var ports = new Dictionary<VipPort, (IReadOnlyList<ForwardBackend>, ServiceForwardingOptions)>();
        foreach (var port in assignment.Ports)
        {
            ForwardProtocol protocol;
            switch (port.Protocol)
            {
                case Protocol.Tcp:
                    protocol = ForwardProtocol.Tcp;
                    break;
                case Protocol.Udp:
                    protocol = ForwardProtocol.Udp;
                    break;
                default:
                    problems.Add($"port {port.Name}/{port.Port}: protocol {port.Protocol} is not forwarded");
                    continue;
            }

            if (port.Port is < 1 or > 65535)
            {
                problems.Add($"port {port.Name}/{port.Port}: not a port number");
                continue;
            }

            var backends = new List<ForwardBackend>();
            foreach (var backend in port.Backends)
            {
                if (!IPAddress.TryParse(backend.Address, out var address) || backend.Port is < 1 or > 65535)
                {
                    problems.Add($"port {port.Port}: backend {backend.Node} {backend.Address}:{backend.Port} is not an address:port");
                    continue;
                }

                backends.Add(new ForwardBackend(new IPEndPoint(address, (int)backend.Port), (int)Math.Clamp(backend.Weight == 0 ? 1 : backend.Weight, 1, 256)));
            }

            ports[new VipPort(vip, (int)port.Port, protocol)] = (backends, options);
        }

        return new ForwardingPlan(ports, problems);
    }
}
