using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 ServiceSpec: the fields a load-balancer provider reads.</summary>
public sealed record ServiceSpec
{
    /// <summary>ClusterIP, NodePort, LoadBalancer or ExternalName.</summary>
    public string? Type { get; init; }

    public string? LoadBalancerClass { get; init; }

    public string? LoadBalancerIP { get; init; }

    public string? ClusterIP { get; init; }

    public IReadOnlyList<string>? ClusterIPs { get; init; }

    /// <summary>IPv4 and/or IPv6, in preference order.</summary>
    public IReadOnlyList<string>? IpFamilies { get; init; }

    /// <summary>SingleStack, PreferDualStack or RequireDualStack.</summary>
    public string? IpFamilyPolicy { get; init; }

    /// <summary>Cluster or Local.</summary>
    public string? ExternalTrafficPolicy { get; init; }

    public string? InternalTrafficPolicy { get; init; }

    public int? HealthCheckNodePort { get; init; }

    public bool? AllocateLoadBalancerNodePorts { get; init; }

    /// <summary>None or ClientIP.</summary>
    public string? SessionAffinity { get; init; }

    public SessionAffinityConfig? SessionAffinityConfig { get; init; }

    public IReadOnlyList<ServicePort>? Ports { get; init; }

    public IReadOnlyDictionary<string, string>? Selector { get; init; }

    public IReadOnlyList<string>? ExternalIPs { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
