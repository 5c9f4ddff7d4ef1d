namespace EdgeLB.Kubernetes.Models;

/// <summary>authentication.k8s.io/v1 TokenReviewStatus.</summary>
public sealed record TokenReviewStatus
{
    public bool? Authenticated { get; init; }

    public UserInfo? User { get; init; }

    public IReadOnlyList<string>? Audiences { get; init; }

    public string? Error { get; init; }
}
