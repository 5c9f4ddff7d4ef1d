namespace EdgeLB.Kubernetes.Models;

/// <summary>discovery.k8s.io/v1 EndpointConditions. A nil <c>ready</c> means ready.</summary>
public sealed record EndpointConditions
{
    public bool? Ready { get; init; }

    public bool? Serving { get; init; }

    public bool? Terminating { get; init; }
}
