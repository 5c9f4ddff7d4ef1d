namespace EdgeLB.Kubernetes.Models;

/// <summary>authorization.k8s.io/v1 ResourceAttributes: a verb on a resource; an empty namespace means every namespace.</summary>
public sealed record ResourceAttributes
{
    public string? Namespace { get; init; }

    public string? Verb { get; init; }

    public string? Group { get; init; }

    public string? Resource { get; init; }

    public string? Name { get; init; }
}
