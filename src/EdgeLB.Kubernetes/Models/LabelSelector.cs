namespace EdgeLB.Kubernetes.Models;

/// <summary>metav1.LabelSelector.</summary>
public sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }

    public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }
}
