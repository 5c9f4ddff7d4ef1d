using EdgeLB.Controller.Allocation;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Election;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Groups the managed Services that have addresses into <see cref="VipGroup"/>s: Services that share
/// any address end up in one group, so all their addresses go to one node.
/// </summary>
internal static class ServiceGrouping
{
    private const int DefaultAffinitySeconds = 10800;

    public static IReadOnlyList<VipGroup> Build(IEnumerable<Service> services, ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        var managed = new List<(string Key, Service Service, IReadOnlyList<IPValue> Addresses)>();
        foreach (var service in services)
        {
            if (!ServiceTranslator.IsManaged(service, options))
            {
                continue;
            }

            var addresses = ServiceTranslator.IngressAddresses(service);
            if (addresses.Count > 0)
            {
                managed.Add((ServiceTranslator.KeyOf(service).ToString(), service, addresses));
            }
        }

        // Union-find over addresses: a Service joins the set of every address it holds.
        var parent = new Dictionary<IPValue, IPValue>();
        IPValue Find(IPValue x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        foreach (var (_, _, addresses) in managed)
        {
            foreach (var a in addresses)
            {
                parent.TryAdd(a, a);
            }

            for (var i = 1; i < addresses.Count; i++)
            {
                var (r1, r2) = (Find(addresses[0]), Find(addresses[i]));
                if (r1 != r2)
                {
                    parent[r2] = r1;
                }
            }
        }

        return [.. managed
            .GroupBy(m => Find(m.Addresses[0]))
            .Select(g => ToGroup([.. g.OrderBy(m => m.Key, StringComparer.Ordinal)]))
            .OrderBy(g => g.Key, StringComparer.Ordinal)];
    }

    private static VipGroup ToGroup(IReadOnlyList<(string Key, Service Service, IReadOnlyList<IPValue> Addresses)> members)
    {
        var addresses = members.SelectMany(m => m.Addresses).Distinct().Order().ToList();
        var pools = new Dictionary<IPValue, string?>();
        var ports = new List<GroupPort>();
        var local = new List<string>();
        TimeSpan? affinity = null;
        foreach (var (key, service, own) in members)
        {
            var pool = service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AllocatedFromPool);
            foreach (var a in own)
            {
                if (!pools.TryGetValue(a, out var known) || known is null)
                {
                    pools[a] = pool;
                }
            }

            var spec = service.Spec!;
            var isLocal = spec.ExternalTrafficPolicy == "Local";
            if (isLocal)
            {
                local.Add(key);
            }

            foreach (var p in spec.Ports ?? [])
            {
                ports.Add(new GroupPort(key, p.Name ?? string.Empty, p.Protocol ?? "TCP", p.Port, p.NodePort ?? 0, isLocal));
            }

            if (spec.SessionAffinity == "ClientIP")
            {
                var seconds = spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds ?? DefaultAffinitySeconds;
                affinity = TimeSpan.FromSeconds(Math.Max(affinity?.TotalSeconds ?? 0, seconds));
            }
        }

        return new VipGroup(
            AnnouncerElection.KeyFor(addresses),
            addresses,
            pools,
            [.. members.Select(m => m.Key)],
            local,
            ports,
            affinity);
    }
}
