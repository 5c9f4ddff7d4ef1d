using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 PodSpec (the part we read).</summary>
public sealed record PodSpec
{
    public string? NodeName { get; init; }

    public string? ServiceAccountName { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
