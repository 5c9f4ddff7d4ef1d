using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>coordination.k8s.io/v1 LeaseSpec. Times are MicroTime.</summary>
public sealed record LeaseSpec
{
    public string? HolderIdentity { get; init; }

    public int? LeaseDurationSeconds { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; init; }

    public int? LeaseTransitions { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
