using EdgeLB.Core.Addresses;
using EdgeLB.Core.Election;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Chooses the announcing node of each group: the eligibility rules filter, then the core's
/// election places groups (rendezvous order, even spread); an eligible holder is never moved. Each
/// placed group also gets a standby, the node it goes to first when its holder fails.
/// </summary>
internal static class AnnouncerPlanner
{
    private static readonly IReadOnlyDictionary<IPValue, string> NoInterfaces = new Dictionary<IPValue, string>();
    private static readonly IReadOnlyDictionary<string, string> NoNodes = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Plans every group at once. A group whose holder is still eligible stays where it is: a move
    /// breaks the connections the old node proxies, and a plan recomputed for an unrelated reason (a
    /// node joining, sessions in another order) must not shuffle VIPs. The others (new groups, and
    /// those whose holder left or became ineligible) are placed as <see cref="PlanSome"/> does, most
    /// constrained first, so the spread evens out as groups come and go.
    /// </summary>
    public static IReadOnlyList<GroupPlan> PlanAll(IReadOnlyList<VipGroup> groups, EligibilityRules rules, IReadOnlyDictionary<string, string> holders, IReadOnlyDictionary<string, string>? standbys = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(holders);
        standbys ??= NoNodes;
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
            chosen[i] = Place(groups[i], verdicts[i], load, standbys.GetValueOrDefault(groups[i].Key));
        }

        var standbyLoad = new Dictionary<string, int>(StringComparer.Ordinal);
        return [.. groups.Select((g, i) => Build(g, verdicts[i], chosen[i], rules, Standby(g, verdicts[i], chosen[i], standbyLoad, standbys.GetValueOrDefault(g.Key))))];
    }

    /// <summary>
    /// Plans a few groups (those a lost node held) without re-planning the rest, placed as
    /// <see cref="Place"/> says, so a failover does not pile every VIP of the lost node onto one survivor.
    /// </summary>
    public static IReadOnlyList<GroupPlan> PlanSome(IReadOnlyList<VipGroup> groups, EligibilityRules rules, Dictionary<string, int> load, IReadOnlyDictionary<string, string>? standbys = null, Dictionary<string, int>? standbyLoad = null)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(load);
        standbys ??= NoNodes;
        standbyLoad ??= new Dictionary<string, int>(StringComparer.Ordinal);
        var plans = new List<GroupPlan>();
        foreach (var group in groups)
        {
            var verdicts = Judge(group, rules);
            var previous = standbys.GetValueOrDefault(group.Key);
            var chosen = Place(group, verdicts, load, previous);
            plans.Add(Build(group, verdicts, chosen, rules, Standby(group, verdicts, chosen, standbyLoad, previous)));
        }

        return plans;
    }

    /// <summary>
    /// The group's standby when it is still eligible: that node set up forwarding already, so the VIP
    /// is claimed there without delay. Otherwise the least loaded of the eligible nodes, ties broken by
    /// rendezvous rank (so groups spread evenly and the same group prefers the same node). Counts the
    /// group in <paramref name="load"/>.
    /// </summary>
    private static string? Place(VipGroup group, List<Verdict> verdicts, Dictionary<string, int> load, string? standby)
    {
        var chosen = standby is not null && verdicts.Exists(v => v.Eligible && v.Node == standby)
            ? standby
            : LeastLoaded(group, verdicts, load, except: null);
        if (chosen is not null)
        {
            load[chosen] = load.GetValueOrDefault(chosen) + 1;
        }

        return chosen;
    }

    /// <summary>
    /// The node next in line to announce the group: its previous standby while that is still eligible
    /// (moving a standby costs a set-up and buys nothing), otherwise the eligible node other than the
    /// holder with the fewest standbys, ties broken by rendezvous rank. Null without a holder or a second eligible node.
    /// </summary>
    private static string? Standby(VipGroup group, List<Verdict> verdicts, string? holder, Dictionary<string, int> standbyLoad, string? previous)
    {
        if (holder is null)
        {
            return null;
        }

        var standby = previous is not null && previous != holder && verdicts.Exists(v => v.Eligible && v.Node == previous)
            ? previous
            : LeastLoaded(group, verdicts, standbyLoad, except: holder);
        if (standby is not null)
        {
            standbyLoad[standby] = standbyLoad.GetValueOrDefault(standby) + 1;
        }

        return standby;
    }

    private static string? LeastLoaded(VipGroup group, List<Verdict> verdicts, Dictionary<string, int> load, string? except)
    {
        var eligible = verdicts.Where(v => v.Eligible && v.Node != except).Select(v => new ElectionCandidate(v.Node)).ToList();
        return eligible.Count == 0 ? null : AnnouncerElection.Rank(group.Key, eligible).MinBy(r => load.GetValueOrDefault(r.Node))!.Node;
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

    private static GroupPlan Build(VipGroup group, List<Verdict> verdicts, string? chosen, EligibilityRules rules, string? standby)
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
                    Detail = $"rank {rank} of {ranked.Count}"
                        + (rank == 1 ? "; kept off to spread VIPs evenly" : string.Empty)
                        + (r.Node == standby ? "; standing by to take over" : string.Empty),
                });
            }
        }

        ordered.AddRange(verdicts.Where(v => !v.Eligible));

        // The label hid every node that would otherwise have been considered.
        var excludedOnly = chosen is null && verdicts.Count > 0 && verdicts.All(v => rules.ExcludedByLabel(v.Node));
        return new GroupPlan(group, chosen, chosen is null ? NoInterfaces : byNode[chosen].Interfaces, ordered, excludedOnly) { Standby = standby };
    }
}
