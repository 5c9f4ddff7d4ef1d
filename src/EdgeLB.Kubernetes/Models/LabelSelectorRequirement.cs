namespace EdgeLB.Kubernetes.Models;

/// <summary>metav1.LabelSelectorRequirement.</summary>
public sealed record LabelSelectorRequirement
{
    public string? Key { get; init; }

    /// <summary>In, NotIn, Exists or DoesNotExist.</summary>
    public string? Operator { get; init; }

    public IReadOnlyList<string>? Values { get; init; }
}
