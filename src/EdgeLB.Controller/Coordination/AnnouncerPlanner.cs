using EdgeLB.Core.Addresses;
using EdgeLB.Core.Election;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Chooses the announcing node of each group: the eligibility rules filter, then the core's
/// election places groups (rendezvous order, even spread); an eligible holder is never moved.
/// </summary>
internal static class AnnouncerPlanner
{
    private static readonly IReadOnlyDictionary<IPValue, string> NoInterfaces = new Dictionary<IPValue, string>();

    /// <summary>
    /// Plans every group at once. A group whose holder is still eligible stays where it is: a move
    /// breaks the connections the old node proxies, and a plan recomputed for an unrelated reason (a
    /// node joining, sessions in another order) must not shuffle VIPs. The others (new groups, and
    /// those whose holder left or became ineligible) are placed as <see cref="PlanSome"/> does, most
    /// constrained first, so the spread evens out as groups come and go.
    /// </summary>
    public static IReadOnlyList<GroupPlan> PlanAll(IReadOnlyList<VipGroup> groups, EligibilityRules rules, IReadOnlyDictionary<string, string> holders)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(holders);
        var verdicts = groups.Select(g => Judge(g, rules)).ToList();
        var chosen = new string?[groups.Count];
        var load = new Dictionary<string, int>(StringComparer.Ordinal);
        var unplaced = new List<int>();
        for (var i = 0; i < groups.Count; i++)
        {
            if (holders.TryGetValue(groups[i].Key, out var holder) && verdicts[i].Any(v => v.Eligible && v.Node == holder))
            {
                chosen[i] = holder;
                load[holder] = load.GetValueOrDefault(holder) + 1;
            }
            else if (verdicts[i].Exists(v => v.Eligible))
            {
                unplaced.Add(i);
            }
        }

        // Groups with no eligible node stay unplaced whatever the order (chosen is null): only the
        // others are sorted, which also spares a sort of every group while no node can take one.
        foreach (var i in unplaced.OrderBy(i => verdicts[i].Count(v => v.Eligible)).ThenBy(i => groups[i].Key, StringComparer.Ordinal))
        {
            chosen[i] = Place(groups[i], verdicts[i], load);
        }

        return [.. groups.Select((g, i) => Build(g, verdicts[i], chosen[i], rules))];
    }

    /// <summary>
    /// Plans a few groups (those a lost node held) without re-planning the rest, placed as
    /// <see cref="Place"/> says, so a failover does not pile every VIP of the lost node onto one survivor.
    /// </summary>
    public static IReadOnlyList<GroupPlan> PlanSome(IReadOnlyList<VipGroup> groups, EligibilityRules rules, Dictionary<string, int> load)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(load);
        var plans = new List<GroupPlan>();
        foreach (var group in groups)
        {
            var verdicts = Judge(group, rules);
            plans.Add(Build(group, verdicts, Place(group, verdicts, load), rules));
        }

        return plans;
    }

    /// <summary>
    /// The least loaded of the group's eligible nodes, ties broken by rendezvous rank (so groups
    /// spread evenly and the same group prefers the same node). Counts the group in <paramref name="load"/>.
    /// </summary>
    private static string? Place(VipGroup group, List<Verdict> verdicts, Dictionary<string, int> load)
    {
        if (!verdicts.Exists(v => v.Eligible))
        {
            return null;
        }

        var eligible = verdicts.Where(v => v.Eligible).Select(v => new ElectionCandidate(v.Node)).ToList();
        var ranked = AnnouncerElection.Rank(group.Key, eligible);
        var chosen = ranked.MinBy(r => load.GetValueOrDefault(r.Node))!.Node;
        load[chosen] = load.GetValueOrDefault(chosen) + 1;
        return chosen;
    }

    private static List<Verdict> Judge(VipGroup group, EligibilityRules rules)
    {
        var verdicts = new List<Verdict>(rules.Nodes.Count);
        foreach (var node in rules.Nodes)
        {
            verdicts.Add(rules.Judge(group, node));
        }

        return verdicts;
    }

    private static GroupPlan Build(VipGroup group, List<Verdict> verdicts, string? chosen, EligibilityRules rules)
    {
        if (chosen is null && !verdicts.Exists(v => v.Eligible))
        {
            // Nothing to rank: the candidates are the verdicts, every one a rejection, in node order.
            return new GroupPlan(group, null, NoInterfaces, verdicts, verdicts.Count > 0 && verdicts.TrueForAll(v => rules.ExcludedByLabel(v.Node)));
        }

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
