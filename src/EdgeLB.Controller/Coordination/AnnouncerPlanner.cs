using EdgeLB.Core.Addresses;
using EdgeLB.Core.Election;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Chooses the announcing node of each group: the eligibility rules filter, then the core's
/// election places groups (rendezvous order, even spread, sticky to current holders).
/// </summary>
internal static class AnnouncerPlanner
{
    private static readonly IReadOnlyDictionary<IPValue, string> NoInterfaces = new Dictionary<IPValue, string>();

    /// <summary>Plans every group at once with the balancer: exact even spread, minimal moves.</summary>
    public static IReadOnlyList<GroupPlan> PlanAll(IReadOnlyList<VipGroup> groups, EligibilityRules rules, IReadOnlyDictionary<string, string> holders)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rules);
        var verdicts = groups.Select(g => rules.Nodes.Select(n => rules.Judge(g, n)).ToList()).ToList();
        var items = groups.Select((g, i) => new ElectionItem(g.Key, [.. verdicts[i].Where(v => v.Eligible).Select(v => new ElectionCandidate(v.Node))])).ToList();
        var placement = AnnouncerBalancer.Assign(items, holders);
        return [.. groups.Select((g, i) => Build(g, verdicts[i], placement.GetValueOrDefault(g.Key), rules))];
    }

    /// <summary>
    /// Plans a few groups (those a lost node held) without re-planning the rest: each goes to its
    /// highest-ranked eligible node that is not above the average load, so a failover does not
    /// pile every VIP of the lost node onto one survivor. The next full plan evens out the rest.
    /// </summary>
    public static IReadOnlyList<GroupPlan> PlanSome(IReadOnlyList<VipGroup> groups, EligibilityRules rules, Dictionary<string, int> load)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(load);
        var plans = new List<GroupPlan>();
        foreach (var group in groups)
        {
            var verdicts = rules.Nodes.Select(n => rules.Judge(group, n)).ToList();
            var eligible = verdicts.Where(v => v.Eligible).Select(v => new ElectionCandidate(v.Node)).ToList();
            string? chosen = null;
            if (eligible.Count > 0)
            {
                var share = Math.Ceiling((double)(eligible.Sum(c => load.GetValueOrDefault(c.Node)) + 1) / eligible.Count);
                var ranked = AnnouncerElection.Rank(group.Key, eligible);
                chosen = ranked.FirstOrDefault(r => load.GetValueOrDefault(r.Node) < share).Node ?? ranked[0].Node;
                load[chosen] = load.GetValueOrDefault(chosen) + 1;
            }

            plans.Add(Build(group, verdicts, chosen, rules));
        }

        return plans;
    }

    private static GroupPlan Build(VipGroup group, List<Verdict> verdicts, string? chosen, EligibilityRules rules)
    {
        var eligible = verdicts.Where(v => v.Eligible).ToList();
        var ranked = AnnouncerElection.Rank(group.Key, [.. eligible.Select(v => new ElectionCandidate(v.Node))]);
        var byNode = eligible.ToDictionary(v => v.Node, StringComparer.Ordinal);
        var ordered = new List<Verdict>(verdicts.Count);
        if (chosen is not null)
        {
            ordered.Add(byNode[chosen]);
        }

        var rank = 0;
        foreach (var r in ranked)
        {
            rank++;
            if (r.Node != chosen)
            {
                ordered.Add(byNode[r.Node] with
                {
                    Reason = RejectionReason.LowerRank,
                    Detail = $"rank {rank} of {ranked.Count}" + (rank == 1 ? "; kept off to spread VIPs evenly" : string.Empty),
                });
            }
        }

        ordered.AddRange(verdicts.Where(v => !v.Eligible));

        // The label hid every node that would otherwise have been considered.
        var excludedOnly = chosen is null && verdicts.Count > 0 && verdicts.All(v => rules.ExcludedByLabel(v.Node));
        return new GroupPlan(group, chosen, chosen is null ? NoInterfaces : byNode[chosen].Interfaces, ordered, excludedOnly);
    }
}
