using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 NodeSpec (the part we read).</summary>
public sealed record NodeSpec
{
    public bool? Unschedulable { get; init; }

    public string? ProviderID { get; init; }

    public IReadOnlyList<Taint>? Taints { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
