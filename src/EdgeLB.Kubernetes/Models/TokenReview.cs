namespace EdgeLB.Kubernetes.Models;

/// <summary>authentication.k8s.io/v1 TokenReview: how a server asks the API server who holds a token.</summary>
public sealed record TokenReview : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "authentication.k8s.io/v1";

    public string? Kind { get; init; } = "TokenReview";

    public ObjectMeta Metadata { get; init; } = new();

    public TokenReviewSpec? Spec { get; init; }

    public TokenReviewStatus? Status { get; init; }
}
