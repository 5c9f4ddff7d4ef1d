namespace EdgeLB.Kubernetes.Models;

/// <summary>authentication.k8s.io/v1 TokenReviewSpec.</summary>
public sealed record TokenReviewSpec
{
    public string? Token { get; init; }

    public IReadOnlyList<string>? Audiences { get; init; }
}
