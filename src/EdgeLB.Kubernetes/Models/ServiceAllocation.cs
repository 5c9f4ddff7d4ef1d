namespace EdgeLB.Kubernetes.Models;

/// <summary>Who may draw from a pool, and its priority (lower first).</summary>
public sealed record ServiceAllocation
{
    public int? Priority { get; init; }

    public IReadOnlyList<string>? Namespaces { get; init; }

    public IReadOnlyList<LabelSelector>? NamespaceSelectors { get; init; }

    public IReadOnlyList<LabelSelector>? ServiceSelectors { get; init; }
}
