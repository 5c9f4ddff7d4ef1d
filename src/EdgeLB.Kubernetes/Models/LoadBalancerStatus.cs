namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 LoadBalancerStatus.</summary>
public sealed record LoadBalancerStatus
{
    public IReadOnlyList<LoadBalancerIngress>? Ingress { get; init; }
}
