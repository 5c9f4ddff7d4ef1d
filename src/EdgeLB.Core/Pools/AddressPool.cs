using EdgeLB.Core.Addresses;
using EdgeLB.Core.Labels;

namespace EdgeLB.Core.Pools;

/// <summary>A validated address pool.</summary>
public sealed record AddressPool(
    string Name,
    IReadOnlyList<IPRange> Ranges,
    bool AutoAssign,
    bool AvoidBuggyIPs,
    int Priority,
    IReadOnlyList<string> Namespaces,
    IReadOnlyList<LabelSelector> NamespaceSelectors,
    IReadOnlyList<LabelSelector> ServiceSelectors)
{
    /// <summary>Whether the pool has a <c>serviceAllocation</c> that restricts or orders it.</summary>
    public bool HasAllocationPolicy => Priority != 0 || Namespaces.Count > 0 || NamespaceSelectors.Count > 0 || ServiceSelectors.Count > 0;

    public bool HasFamily(IPFamily family) => Ranges.Any(r => r.Family == family);

    /// <summary>Whether the address is in the pool and usable (not .0/.255 when the pool avoids those, not an IPv6 CIDR's Subnet-Router anycast address).</summary>
    public bool Contains(IPValue address) =>
        Ranges.Any(r => r.ContainsUsable(address)) && SlotMap.For(address.Family, AvoidBuggyIPs).IsUsable(address);

    /// <summary>Whether a Service in this namespace with these labels may draw from the pool.</summary>
    public bool Allows(string serviceNamespace, IReadOnlyDictionary<string, string> namespaceLabels, IReadOnlyDictionary<string, string> serviceLabels)
    {
        var namespaceAllowed = (Namespaces.Count == 0 && NamespaceSelectors.Count == 0)
            || Namespaces.Contains(serviceNamespace, StringComparer.Ordinal)
            || NamespaceSelectors.Any(s => s.Matches(namespaceLabels));
        var serviceAllowed = ServiceSelectors.Count == 0 || ServiceSelectors.Any(s => s.Matches(serviceLabels));
        return namespaceAllowed && serviceAllowed;
    }

    /// <summary>How many usable addresses of a family the pool holds.</summary>
    public UInt128 Size(IPFamily family)
    {
        var map = SlotMap.For(family, AvoidBuggyIPs);
        var total = UInt128.Zero;
        foreach (var range in Ranges)
        {
            if (range.Family == family)
            {
                total += map.UsableCount(range);
            }
        }

        return total;
    }
}
