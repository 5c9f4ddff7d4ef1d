namespace EdgeLB.Core.Pools;

/// <summary><c>spec.serviceAllocation</c>: who may draw from a pool, and before which other pools.</summary>
public sealed record ServiceAllocationSpec(
    int? Priority = null,
    IReadOnlyList<string>? Namespaces = null,
    IReadOnlyList<LabelSelectorSpec>? NamespaceSelectors = null,
    IReadOnlyList<LabelSelectorSpec>? ServiceSelectors = null);
