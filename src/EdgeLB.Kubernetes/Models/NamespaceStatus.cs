using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 NamespaceStatus.</summary>
public sealed record NamespaceStatus
{
    /// <summary>Active or Terminating.</summary>
    public string? Phase { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
