using EdgeLB.Core.Addresses;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Where one group should be announced, with every node considered in the election's order of
/// preference (the chosen one first) and why the others were not chosen.
/// </summary>
/// <remarks>
/// <see cref="Node"/>: The chosen node; null when no node is eligible.
/// <see cref="ExcludedByLabelOnly"/>: True when nodes exist but the exclude label removed every one that would otherwise be eligible.
/// </remarks>
internal sealed record GroupPlan(
    VipGroup Group,
    string? Node,
    IReadOnlyDictionary<IPValue, string> Interfaces,
    IReadOnlyList<Verdict> Candidates,
    bool ExcludedByLabelOnly)
{
    public string Summary => Node is not null ? "announced"
        : Candidates.Count == 0 ? "no nodes"
        : ExcludedByLabelOnly ? $"every node is labelled {NodeFacts.ExcludeLabel}"
        : "no eligible node";
}
