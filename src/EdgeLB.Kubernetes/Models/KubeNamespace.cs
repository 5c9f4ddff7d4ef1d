using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 Namespace (named so to keep clear of the C# keyword); EdgeLB reads its labels for pools' namespace selectors.</summary>
public sealed record KubeNamespace : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "v1";

    public string? Kind { get; init; } = "Namespace";

    public ObjectMeta Metadata { get; init; } = new();

    public NamespaceStatus? Status { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
