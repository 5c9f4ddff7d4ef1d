using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>Written by the controller: usage per family and conditions.</summary>
public sealed record IPAddressPoolStatus
{
    [JsonPropertyName("assignedIPv4")]
    public long? AssignedIPv4 { get; init; }

    [JsonPropertyName("availableIPv4")]
    public long? AvailableIPv4 { get; init; }

    [JsonPropertyName("assignedIPv6")]
    public long? AssignedIPv6 { get; init; }

    [JsonPropertyName("availableIPv6")]
    public string? AvailableIPv6 { get; init; }

    public IReadOnlyList<Condition>? Conditions { get; init; }
}
