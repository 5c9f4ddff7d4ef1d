using EdgeLB.Core.Addresses;
using EdgeLB.Core.Text;

namespace EdgeLB.Core.Allocation;

/// <summary>
/// The Service annotations EdgeLB reads, with MetalLB's names accepted as aliases so a cluster can
/// move over by changing nothing on its Services.
/// </summary>
public static class ServiceAnnotations
{
    public const string AddressPool = "edgelb.io/address-pool";
    public const string LoadBalancerIPs = "edgelb.io/load-balancer-ips";
    public const string AllowSharedIP = "edgelb.io/allow-shared-ip";

    /// <summary>Written by the controller: the pool the Service's address came from.</summary>
    public const string AllocatedFromPool = "edgelb.io/ip-allocated-from-pool";

    /// <summary>Written by the controller: the node, interface and epoch announcing the address.</summary>
    public const string AnnouncingNode = "edgelb.io/announcing-node";

    /// <summary>Written by the controller while the Service keeps addresses that no pool has any more: those addresses.</summary>
    public const string NotInAnyPool = "edgelb.io/ip-not-in-any-pool";

    private static readonly string[] PoolKeys = [AddressPool, "metallb.io/address-pool", "metallb.universe.tf/address-pool"];
    private static readonly string[] IPKeys = [LoadBalancerIPs, "metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs"];
    private static readonly string[] SharingKeys = [AllowSharedIP, "metallb.io/allow-shared-ip", "metallb.universe.tf/allow-shared-ip"];

    internal static (AllocationIntent? Intent, AllocationNotice? Refusal) Parse(ServiceRequest service)
    {
        if (ReadAlias(service, PoolKeys, out var pool) is { } poolRefusal)
        {
            return (null, poolRefusal);
        }

        if (ReadAlias(service, SharingKeys, out var sharingKey) is { } sharingRefusal)
        {
            return (null, sharingRefusal);
        }

        if (ReadAlias(service, IPKeys, out var ipList) is { } ipRefusal)
        {
            return (null, ipRefusal);
        }

        pool = NullIfBlank(pool);
        sharingKey = NullIfBlank(sharingKey);
        ipList = NullIfBlank(ipList);
        var specIP = NullIfBlank(service.LoadBalancerIP);
        if (ipList is not null && specIP is not null)
        {
            return (null, Invalid($"spec.loadBalancerIP and the {LoadBalancerIPs} annotation are both set; use only the annotation"));
        }

        var requested = new List<IPValue>();
        foreach (var part in (ipList ?? specIP ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!IPValue.TryParse(part, out var ip))
            {
                return (null, Invalid($"{QuotedValue.Quote(part)} in {(ipList is null ? "spec.loadBalancerIP" : LoadBalancerIPs)} is not an IP address"));
            }

            if (requested.Any(r => r.Family == ip.Family))
            {
                return (null, Invalid($"{LoadBalancerIPs} lists more than one {ip.Family} address; give at most one per family"));
            }

            requested.Add(ip);
        }

        requested.Sort();
        var families = service.IPFamilies.Count > 0 ? service.IPFamilies.Distinct().ToList() : [IPFamily.IPv4];
        foreach (var ip in requested)
        {
            if (!families.Contains(ip.Family) && service.IPFamilyPolicy == IPFamilyPolicy.SingleStack)
            {
                return (null, Invalid($"requested {ip} is {ip.Family} but the Service's ipFamilies are [{string.Join(", ", families)}]"));
            }
        }

        var primary = families[0];
        var other = primary == IPFamily.IPv4 ? IPFamily.IPv6 : IPFamily.IPv4;
        IReadOnlyList<IPFamily> required;
        IReadOnlyList<IPFamily> optional;
        if (requested.Count > 0)
        {
            // Requested addresses decide the families: one per family, each required.
            required = [.. requested.Select(r => r.Family)];
            optional = [];
            if (service.IPFamilyPolicy == IPFamilyPolicy.RequireDualStack && requested.Count < 2)
            {
                return (null, Invalid("ipFamilyPolicy RequireDualStack needs one requested address per family"));
            }
        }
        else
        {
            (required, optional) = service.IPFamilyPolicy switch
            {
                IPFamilyPolicy.RequireDualStack => ([primary, other], []),
                IPFamilyPolicy.PreferDualStack => ([primary], [other]),
                _ => ((IReadOnlyList<IPFamily>)[primary], (IReadOnlyList<IPFamily>)[]),
            };
        }

        return (new AllocationIntent(requested, pool, sharingKey, required, optional), null);
    }

    /// <summary>Reads one annotation under its own name or an alias; aliases that disagree are an error.</summary>
    private static AllocationNotice? ReadAlias(ServiceRequest service, string[] keys, out string? value)
    {
        value = null;
        string? from = null;
        foreach (var key in keys)
        {
            if (!service.Annotations.TryGetValue(key, out var v))
            {
                continue;
            }

            if (value is not null && v.Trim() != value.Trim())
            {
                return Invalid($"{from} is {QuotedValue.Quote(value)} but {key} is {QuotedValue.Quote(v)}; set only one");
            }

            value = v;
            from = key;
        }

        return null;
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static AllocationNotice Invalid(string message) => new(AllocationReasons.InvalidAnnotation, message);
}
