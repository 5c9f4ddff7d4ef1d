using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>edgelb.io/v1alpha1 L2Advertisement: which pools are announced over layer 2, from which nodes.</summary>
public sealed record L2Advertisement : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "edgelb.io/v1alpha1";

    public string? Kind { get; init; } = "L2Advertisement";

    public ObjectMeta Metadata { get; init; } = new();

    public L2AdvertisementSpec? Spec { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
