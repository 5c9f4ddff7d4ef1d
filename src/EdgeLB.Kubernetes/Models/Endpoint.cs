namespace EdgeLB.Kubernetes.Models;

/// <summary>discovery.k8s.io/v1 Endpoint.</summary>
public sealed record Endpoint
{
    public IReadOnlyList<string>? Addresses { get; init; }

    public EndpointConditions? Conditions { get; init; }

    public string? Hostname { get; init; }

    public string? NodeName { get; init; }

    public string? Zone { get; init; }

    public ObjectReference? TargetRef { get; init; }
}
