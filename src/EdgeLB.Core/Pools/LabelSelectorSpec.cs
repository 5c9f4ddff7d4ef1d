namespace EdgeLB.Core.Pools;

/// <summary>A label selector as written, before its keys and operators are checked.</summary>
public sealed record LabelSelectorSpec(
    IReadOnlyDictionary<string, string>? MatchLabels = null,
    IReadOnlyList<LabelSelectorRequirementSpec>? MatchExpressions = null);
