using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>metav1.Condition, as used in Service and CRD status.</summary>
public sealed record Condition
{
    public string? Type { get; init; }

    /// <summary>True, False or Unknown.</summary>
    public string? Status { get; init; }

    public long? ObservedGeneration { get; init; }

    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? LastTransitionTime { get; init; }

    public string? Reason { get; init; }

    public string? Message { get; init; }
}
