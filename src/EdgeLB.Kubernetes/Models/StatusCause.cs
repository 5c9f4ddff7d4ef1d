namespace EdgeLB.Kubernetes.Models;

/// <summary>metav1.StatusCause: for 422 Invalid, which field and why.</summary>
public sealed record StatusCause
{
    public string? Reason { get; init; }

    public string? Message { get; init; }

    public string? Field { get; init; }
}
