namespace EdgeLB.Kubernetes.Models;

/// <summary>authorization.k8s.io/v1 SubjectAccessReview: how a server asks the API server whether a user may do something.</summary>
public sealed record SubjectAccessReview : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "authorization.k8s.io/v1";

    public string? Kind { get; init; } = "SubjectAccessReview";

    public ObjectMeta Metadata { get; init; } = new();

    public SubjectAccessReviewSpec? Spec { get; init; }

    public SubjectAccessReviewStatus? Status { get; init; }
}
