using EdgeLB.Core.Addresses;
using EdgeLB.Core.Election;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The forwarding targets of each Service port of a group: nodeIP:nodePort of Ready nodes (at most 16)
/// (InternalIP of the VIP's family when it has one), minus the ones the announcing speaker's
/// probes say are down (all of them when every one is down), and for externalTrafficPolicy Local
/// only nodes with a ready endpoint.
/// </summary>
/// <remarks>
/// The announcing speaker's own probe results decide, because it is the one forwarding; a target
/// it has not probed yet counts as healthy unless another speaker's latest probe says otherwise.
/// Nodes labelled exclude-from-external-load-balancers are not backends either (that is what the
/// label means to cloud load balancers).
/// <para>
/// At most <see cref="MaxBackendsPerPort"/> nodes per port: every NodePort reaches every pod of the
/// Service (kube-proxy spreads from there), so more nodes add no reach, while each one costs the
/// holder a health check and the controller a backend entry per VIP — a million entries with 1,000
/// VIPs on 1,000 nodes. Which ones: the holder's own node first (no extra hop), then the group's
/// rendezvous order, so VIPs spread over different nodes and a node joining or leaving changes few
/// lists. Healthy nodes are chosen before failing ones.
/// </para>
/// </remarks>
internal static class BackendPlanner
{
    public const int MaxBackendsPerPort = 16;

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
                var healthy = new List<Backend>();
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
                    (Healthy(target, holderProbes, snapshot) ? healthy : failing).Add(backend);
                }

                // When every candidate fails, send them rather than none: the holder's own checks
                // keep probing what it is given and forward to the first that answers again, while an
                // empty list would stop the probing and leave the Service dark for good.
                message.Backends.AddRange(Subset(healthy.Count > 0 ? healthy : failing, group.Key, holder));
            }

            result.Add(message);
        }

        return result;
    }

    /// <summary>Up to <see cref="MaxBackendsPerPort"/> of the backends, in their given (node) order.</summary>
    private static IEnumerable<Backend> Subset(List<Backend> backends, string key, string? holder)
    {
        if (backends.Count <= MaxBackendsPerPort)
        {
            return backends;
        }

        var chosen = AnnouncerElection.Rank(key, [.. backends.Select(b => new ElectionCandidate(b.Node))])
            .Select(r => r.Node)
            .OrderBy(node => node != holder) // stable: the holder first, the rest in rank order
            .Take(MaxBackendsPerPort)
            .ToHashSet(StringComparer.Ordinal);
        return backends.Where(b => chosen.Contains(b.Node));
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
