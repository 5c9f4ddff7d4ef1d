using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 NodeCondition.</summary>
public sealed record NodeCondition
{
    /// <summary>Ready, NetworkUnavailable, ….</summary>
    public string? Type { get; init; }

    public string? Status { get; init; }

    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? LastHeartbeatTime { get; init; }

    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? LastTransitionTime { get; init; }

    public string? Reason { get; init; }

    public string? Message { get; init; }
}
