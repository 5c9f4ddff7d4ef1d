using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 Node.</summary>
public sealed record Node : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "v1";

    public string? Kind { get; init; } = "Node";

    public ObjectMeta Metadata { get; init; } = new();

    public NodeSpec? Spec { get; init; }

    public NodeStatus? Status { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
