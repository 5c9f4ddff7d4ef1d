namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 ServiceStatus.</summary>
public sealed record ServiceStatus
{
    public LoadBalancerStatus? LoadBalancer { get; init; }

    public IReadOnlyList<Condition>? Conditions { get; init; }
}
