namespace EdgeLB.Controller.Coordination;

/// <summary>Everything the announcer choice reads, taken at one instant, so the choice itself does no I/O.</summary>
/// <remarks>
/// <see cref="PoolLabels"/>: Labels of each IPAddressPool by name (for ipAddressPoolSelectors).
/// </remarks>
internal sealed record CoordinationSnapshot(
    IReadOnlyDictionary<string, NodeFacts> Nodes,
    IReadOnlyDictionary<string, SpeakerFacts> Speakers,
    IReadOnlyList<Advertisement> Advertisements,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> PoolLabels,
    LocalEndpoints Endpoints)
{
    private IReadOnlyList<NodeFacts>? _sortedNodes;
    private HashSet<NodePortTarget>? _failing;

    /// <summary>Node objects sorted by name.</summary>
    public IReadOnlyList<NodeFacts> SortedNodes => _sortedNodes ??= [.. Nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal)];

    /// <summary>Targets whose latest probe failed from at least one speaker.</summary>
    public IReadOnlySet<NodePortTarget> FailingTargets => _failing ??= [.. Speakers.Values.SelectMany(s => s.NodePorts).Where(p => !p.Value).Select(p => p.Key)];
}
