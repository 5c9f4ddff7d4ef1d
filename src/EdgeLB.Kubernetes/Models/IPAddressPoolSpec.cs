using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>Which addresses the pool holds and who may draw from it.</summary>
public sealed record IPAddressPoolSpec
{
    /// <summary>CIDRs or <c>first-last</c> ranges, IPv4 or IPv6.</summary>
    public IReadOnlyList<string>? Addresses { get; init; }

    /// <summary>Defaults to true.</summary>
    public bool? AutoAssign { get; init; }

    /// <summary>Skip .0 and .255 addresses.</summary>
    [JsonPropertyName("avoidBuggyIPs")]
    public bool? AvoidBuggyIPs { get; init; }

    public ServiceAllocation? ServiceAllocation { get; init; }
}
