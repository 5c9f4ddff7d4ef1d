namespace EdgeLB.Kubernetes.Models;

/// <summary>authorization.k8s.io/v1 SubjectAccessReviewStatus.</summary>
public sealed record SubjectAccessReviewStatus
{
    public bool Allowed { get; init; }

    public bool? Denied { get; init; }

    public string? Reason { get; init; }

    public string? EvaluationError { get; init; }
}
