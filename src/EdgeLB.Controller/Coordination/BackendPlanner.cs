using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The forwarding targets of each Service port of a group: nodeIP:nodePort of every Ready node
/// (InternalIP of the VIP's family when it has one), minus the ones the announcing speaker's
/// probes say are down (all of them when every one is down), and for externalTrafficPolicy Local
/// only nodes with a ready endpoint.
/// </summary>
/// <remarks>
/// The announcing speaker's own probe results decide, because it is the one forwarding; a target
/// it has not probed yet counts as healthy unless another speaker's latest probe says otherwise.
/// Nodes labelled exclude-from-external-load-balancers are not backends either (that is what the
/// label means to cloud load balancers).
/// </remarks>
internal static class BackendPlanner
{
    public static IReadOnlyList<Rpc.Contract.V1.ServicePort> Ports(VipGroup group, IPFamily family, string? holder, CoordinationSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(snapshot);
        var holderProbes = holder is not null && snapshot.Speakers.TryGetValue(holder, out var h) ? h.NodePorts : null;
        var result = new List<Rpc.Contract.V1.ServicePort>(group.Ports.Count);
        foreach (var port in group.Ports)
        {
            var protocol = EligibilityRules.ProtocolOf(port.Protocol);
            var message = new Rpc.Contract.V1.ServicePort
            {
                Name = port.Name,
                Protocol = protocol,
                Port = (uint)port.Port,
                NodePort = (uint)port.NodePort,
            };
            if (port.NodePort > 0)
            {
                var failing = new List<Backend>();
                var local = snapshot.Endpoints.NodesOf(port.Service);
                foreach (var node in snapshot.SortedNodes)
                {
                    if (!node.Ready || node.NetworkUnavailable || node.Excluded || node.AddressFor(family) is not { } address)
                    {
                        continue;
                    }

                    var hasLocal = local.Contains(node.Name);
                    if (port.Local && !hasLocal)
                    {
                        continue;
                    }

                    var target = new NodePortTarget(address.ToString(), (uint)port.NodePort, protocol);
                    var backend = new Backend { Node = node.Name, Address = target.Address, Port = target.Port, HasLocalEndpoints = hasLocal };
                    if (Healthy(target, holderProbes, snapshot))
                    {
                        message.Backends.Add(backend);
                    }
                    else
                    {
                        failing.Add(backend);
                    }
                }

                // When every candidate fails, send them all rather than none: the holder's own checks
                // keep probing what it is given and forward to the first that answers again, while an
                // empty list would stop the probing and leave the Service dark for good.
                if (message.Backends.Count == 0)
                {
                    message.Backends.AddRange(failing);
                }
            }

            result.Add(message);
        }

        return result;
    }

    private static bool Healthy(NodePortTarget target, IReadOnlyDictionary<NodePortTarget, bool>? holderProbes, CoordinationSnapshot snapshot)
    {
        if (holderProbes is not null && holderProbes.TryGetValue(target, out var seen))
        {
            return seen;
        }

        return !snapshot.FailingTargets.Contains(target);
    }
}
