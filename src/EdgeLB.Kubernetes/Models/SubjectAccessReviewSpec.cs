using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>authorization.k8s.io/v1 SubjectAccessReviewSpec: the user (as a TokenReview reported it) and the request to check.</summary>
public sealed record SubjectAccessReviewSpec
{
    public ResourceAttributes? ResourceAttributes { get; init; }

    public string? User { get; init; }

    public IReadOnlyList<string>? Groups { get; init; }

    public string? Uid { get; init; }

    [JsonPropertyName("extra")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra { get; init; }
}
