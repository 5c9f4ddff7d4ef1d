using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>edgelb.io/v1alpha1 IPAddressPool (field names follow MetalLB's).</summary>
public sealed record IPAddressPool : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "edgelb.io/v1alpha1";

    public string? Kind { get; init; } = "IPAddressPool";

    public ObjectMeta Metadata { get; init; } = new();

    public IPAddressPoolSpec? Spec { get; init; }

    public IPAddressPoolStatus? Status { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
