namespace EdgeLB.Core.Pools;

/// <summary>A <c>matchExpressions</c> entry as written.</summary>
public sealed record LabelSelectorRequirementSpec(string Key, string Operator, IReadOnlyList<string>? Values = null);
