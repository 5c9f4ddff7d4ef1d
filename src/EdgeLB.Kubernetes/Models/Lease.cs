using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>coordination.k8s.io/v1 Lease.</summary>
public sealed record Lease : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "coordination.k8s.io/v1";

    public string? Kind { get; init; } = "Lease";

    public ObjectMeta Metadata { get; init; } = new();

    public LeaseSpec? Spec { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
