using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>A list response (ServiceList, NodeList, …).</summary>
public sealed record KubeList<T>
{
    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }

    public ListMeta Metadata { get; init; } = new();

    [JsonPropertyName("items")]
    public IReadOnlyList<T> Items { get; init; } = [];
}
