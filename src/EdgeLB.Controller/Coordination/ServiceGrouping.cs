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

    private static readonly IReadOnlyDictionary<Service, VipGroup> NoReuse = new Dictionary<Service, VipGroup>(ReferenceEqualityComparer.Instance);

    public static IReadOnlyList<VipGroup> Build(IEnumerable<Service> services, ControllerOptions options) =>
        [.. Build(services, options, NoReuse).Select(g => g.Group)];

    /// <summary>
    /// Groups as <see cref="Build(IEnumerable{Service}, ControllerOptions)"/> does, with each group's
    /// Services. <paramref name="reuse"/> holds the one-Service groups of an earlier call by the very
    /// Service object they were built from: informers replace an object on every change, so the same
    /// reference means the same Service and its group is taken over instead of built again. While
    /// thousands of Services arrive, that keeps each plan from re-reading every one of them.
    /// </summary>
    public static IReadOnlyList<(VipGroup Group, IReadOnlyList<Service> Members)> Build(IEnumerable<Service> services, ControllerOptions options, IReadOnlyDictionary<Service, VipGroup> reuse)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(reuse);
        var managed = new List<(string Key, Service Service, IReadOnlyList<IPValue> Addresses, VipGroup? Built)>(services is IReadOnlyCollection<Service> c ? c.Count : 0);
        foreach (var service in services)
        {
            if (reuse.TryGetValue(service, out var built))
            {
                managed.Add((built.Services[0], service, built.Addresses, built));
                continue;
            }

            if (!ServiceTranslator.IsManaged(service, options))
            {
                continue;
            }

            var addresses = ServiceTranslator.IngressAddresses(service);
            if (addresses.Count > 0)
            {
                managed.Add((ServiceTranslator.KeyOf(service).ToString(), service, addresses, null));
            }
        }

        // Union-find over addresses: a Service joins the set of every address it holds.
        var parent = new Dictionary<IPValue, IPValue>(managed.Count);
        var shared = false;
        IPValue Find(IPValue x)
        {
            while (parent[x] != x)
            {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }

            return x;
        }

        foreach (var (_, _, addresses, _) in managed)
        {
            for (var i = 0; i < addresses.Count; i++)
            {
                if (!parent.TryAdd(addresses[i], addresses[i]))
                {
                    // Another Service (or this one twice) has it already.
                    shared = true;
                }
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

        // Usually no two Services share an address: every Service is a group of its own.
        var groups = shared
            ? [.. managed
                .GroupBy(m => Find(m.Addresses[0]))
                .Select(g => g.Count() == 1 ? Alone(g.First()) : ToGroup([.. g.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => (m.Key, m.Service, m.Addresses))]))]
            : managed.ConvertAll(Alone);

        // Keys are unique: each is an address, and groups share none.
        groups.Sort((a, b) => string.CompareOrdinal(a.Group.Key, b.Group.Key));
        return groups;
    }

    private static (VipGroup Group, IReadOnlyList<Service> Members) Alone((string Key, Service Service, IReadOnlyList<IPValue> Addresses, VipGroup? Built) member) =>
        member.Built is { } built ? (built, [member.Service]) : ToGroup([(member.Key, member.Service, member.Addresses)]);

    private static (VipGroup Group, IReadOnlyList<Service> Members) ToGroup(IReadOnlyList<(string Key, Service Service, IReadOnlyList<IPValue> Addresses)> members)
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

        var group = new VipGroup(
            AnnouncerElection.KeyFor(addresses),
            addresses,
            pools,
            [.. members.Select(m => m.Key)],
            local,
            ports,
            affinity);
        return (group, [.. members.Select(m => m.Service)]);
    }
}
