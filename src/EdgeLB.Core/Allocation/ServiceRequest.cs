using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>What the allocator needs to know about a LoadBalancer Service, free of Kubernetes types.</summary>
public sealed record ServiceRequest
{
    public required ServiceKey Key { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = Empty;

    /// <summary>Labels of the Service's namespace, for pools' namespace selectors.</summary>
    public IReadOnlyDictionary<string, string> NamespaceLabels { get; init; } = Empty;

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = Empty;

    /// <summary><c>spec.loadBalancerIP</c> (deprecated in Kubernetes, still honoured).</summary>
    public string? LoadBalancerIP { get; init; }

    /// <summary><c>spec.ipFamilies</c>; empty means IPv4.</summary>
    public IReadOnlyList<IPFamily> IPFamilies { get; init; } = [];

    public IPFamilyPolicy IPFamilyPolicy { get; init; } = IPFamilyPolicy.SingleStack;

    public IReadOnlyList<ServicePort> Ports { get; init; } = [];

    public TrafficPolicy ExternalTrafficPolicy { get; init; } = TrafficPolicy.Cluster;

    /// <summary><c>spec.selector</c>: which pods the Service sends to.</summary>
    public IReadOnlyDictionary<string, string> Selector { get; init; } = Empty;

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>(StringComparer.Ordinal);
}
