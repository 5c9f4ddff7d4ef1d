using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 SessionAffinityConfig.</summary>
public sealed record SessionAffinityConfig
{
    [JsonPropertyName("clientIP")]
    public ClientIPConfig? ClientIP { get; init; }
}
