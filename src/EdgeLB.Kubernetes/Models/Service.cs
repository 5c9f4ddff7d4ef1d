using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 Service.</summary>
public sealed record Service : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "v1";

    public string? Kind { get; init; } = "Service";

    public ObjectMeta Metadata { get; init; } = new();

    public ServiceSpec? Spec { get; init; }

    public ServiceStatus? Status { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
