using EdgeLB.Core.Labels;
using EdgeLB.Core.Pools;
using K8sSelector = EdgeLB.Kubernetes.Models.LabelSelector;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// One L2Advertisement, read: which pools it covers (by name or selector; neither means every
/// pool), which nodes may announce them (no selector means every node) and on which interfaces
/// (none means whichever interface is in the VIP's subnet).
/// </summary>
internal sealed record Advertisement(
    string Name,
    IReadOnlyList<string> Pools,
    IReadOnlyList<LabelSelector> PoolSelectors,
    IReadOnlyList<LabelSelector> NodeSelectors,
    IReadOnlyList<string> Interfaces)
{
    /// <summary>Set for an advertisement that could not be read; it matches no pool.</summary>
    public bool SelectsNothing { get; init; }

    public bool SelectsPool(string? pool, IReadOnlyDictionary<string, string> poolLabels) =>
        !SelectsNothing && ((Pools.Count == 0 && PoolSelectors.Count == 0)
        || (pool is not null && (Pools.Contains(pool, StringComparer.Ordinal) || PoolSelectors.Any(s => s.Matches(poolLabels)))));

    public bool SelectsNode(IReadOnlyDictionary<string, string> nodeLabels) =>
        NodeSelectors.Count == 0 || NodeSelectors.Any(s => s.Matches(nodeLabels));

    /// <summary>Reads an L2Advertisement; a malformed selector makes it select nothing and is reported in <paramref name="problems"/>.</summary>
    public static Advertisement From(Kubernetes.Models.L2Advertisement ad, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(ad);
        var spec = ad.Spec ?? new Kubernetes.Models.L2AdvertisementSpec();
        var validation = new List<ValidationProblem>();
        var poolSelectors = PoolValidator.ConvertSelectors(spec.IpAddressPoolSelectors?.Select(ToSpec).ToList(), "spec.ipAddressPoolSelectors", validation);
        var nodeSelectors = PoolValidator.ConvertSelectors(spec.NodeSelectors?.Select(ToSpec).ToList(), "spec.nodeSelectors", validation);
        var name = ad.Metadata.Name ?? string.Empty;
        if (validation.Count > 0)
        {
            problems.AddRange(validation.Select(p => $"L2Advertisement {ad.Metadata.Namespace}/{name}: {p}"));
            return new Advertisement(name, [], [], [], []) { SelectsNothing = true };
        }

        return new Advertisement(name, spec.IpAddressPools ?? [], poolSelectors, nodeSelectors, spec.Interfaces ?? []);
    }

    private static LabelSelectorSpec ToSpec(K8sSelector selector) => new(
        selector.MatchLabels,
        selector.MatchExpressions?.Select(e => new LabelSelectorRequirementSpec(e.Key ?? string.Empty, e.Operator ?? string.Empty, e.Values)).ToList());
}
