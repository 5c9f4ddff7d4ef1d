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
    /// <summary>Ports with backends per address family, worked out off the coordinator's lock; null when not precomputed.</summary>
    public IReadOnlyDictionary<IPFamily, IReadOnlyList<Rpc.Contract.V1.ServicePort>>? Ports { get; init; }

    /// <summary>
    /// The node next in line: it keeps the group's forwarding ready without announcing, and the group
    /// goes there first when the holder fails. Null without a second eligible node.
    /// </summary>
    public string? Standby { get; init; }

    /// <summary>
    /// Whether <paramref name="other"/> says the same: same group object, node, interfaces, candidates
    /// and ports (collections by reference unless empty). A full plan keeps the plan it already has
    /// then, so the new one dies young instead of every plan replacing one object per group.
    /// </summary>
    public bool SameAs(GroupPlan other) =>
        ReferenceEquals(Group, other.Group)
        && Node == other.Node
        && Standby == other.Standby
        && ExcludedByLabelOnly == other.ExcludedByLabelOnly
        && (ReferenceEquals(Interfaces, other.Interfaces) || (Interfaces.Count == 0 && other.Interfaces.Count == 0))
        && ReferenceEquals(Ports, other.Ports)
        && Candidates.SequenceEqual(other.Candidates);

    public string Summary => Node is not null ? "announced"
        : Candidates.Count == 0 ? "no nodes"
        : ExcludedByLabelOnly ? $"every node is labelled {NodeFacts.ExcludeLabel}"
        : "no eligible node";
}
