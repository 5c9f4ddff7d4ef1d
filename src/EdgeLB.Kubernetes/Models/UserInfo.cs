using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>authentication.k8s.io/v1 UserInfo.</summary>
public sealed record UserInfo
{
    public string? Username { get; init; }

    public string? Uid { get; init; }

    public IReadOnlyList<string>? Groups { get; init; }

    [JsonPropertyName("extra")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }
}
