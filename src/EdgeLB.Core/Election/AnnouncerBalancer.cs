namespace EdgeLB.Core.Election;

/// <summary>
/// Assigns every election key to a node so that nodes carry shares proportional to their weights
/// (exactly, where eligibility allows), and so that as little as possible
/// moves: a key stays on its current node unless that node left or carries more than its share; a
/// key that must move goes to its highest-ranked node (rendezvous order) that still has room.
/// </summary>
/// <remarks>
/// Plain rendezvous hashing spreads keys like a die: with 100 nodes and 10,000 keys a node's count
/// varies by ±10% at one standard deviation. Capping each node at its share makes the spread exact
/// while keeping rendezvous' property that a node leaving moves only its own keys, and a node
/// joining takes about 1/(N+1) of them, all from nodes above their new share.
/// </remarks>
public static class AnnouncerBalancer
{
    /// <summary>The node for each key. Keys with no eligible node are absent.</summary>
    public static Dictionary<string, string> Assign(IReadOnlyList<ElectionItem> items, IReadOnlyDictionary<string, string>? current = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        current ??= new Dictionary<string, string>(StringComparer.Ordinal);
        var capacity = Capacities(items, current);
        var load = capacity.Keys.ToDictionary(n => n, _ => 0, StringComparer.Ordinal);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);

        // 1. Keep keys on their current node while it is eligible and under its share; a node over
        //    its share keeps the keys that rank it highest, so the ones that leave are those that
        //    prefer elsewhere anyway.
        var kept = items
            .Select(item => (Item: item, Holder: current.TryGetValue(item.Key, out var h) ? item.Candidates.FirstOrDefault(c => c.Node == h) : null))
            .Where(x => x.Holder is not null && x.Holder.Weight > 0)
            .GroupBy(x => x.Holder!.Node, StringComparer.Ordinal);
        foreach (var group in kept)
        {
            foreach (var (item, holder) in group
                .OrderByDescending(x => AnnouncerElection.Score(x.Item.Key, x.Holder!))
                .ThenBy(x => x.Item.Key, StringComparer.Ordinal)
                .Take(capacity[group.Key]))
            {
                result[item.Key] = holder!.Node;
                load[holder.Node]++;
            }
        }

        // 2. Place the rest, most constrained first so a key with few eligible nodes gets one of
        //    them before flexible keys fill it.
        foreach (var item in items
            .Where(i => !result.ContainsKey(i.Key))
            .OrderBy(i => i.Candidates.Count)
            .ThenBy(i => i.Key, StringComparer.Ordinal))
        {
            string? best = null;
            string? bestWithRoom = null;
            double bestScore = 0, bestWithRoomScore = 0;
            var keyHash = StableHash.Of(item.Key);
            foreach (var candidate in item.Candidates)
            {
                var score = AnnouncerElection.Score(keyHash, candidate);
                if (score <= 0)
                {
                    continue;
                }

                if (score > bestScore)
                {
                    (best, bestScore) = (candidate.Node, score);
                }

                if (load[candidate.Node] < capacity[candidate.Node] && score > bestWithRoomScore)
                {
                    (bestWithRoom, bestWithRoomScore) = (candidate.Node, score);
                }
            }

            // When every eligible node is full (eligibility is uneven), exceed a share rather
            // than leave a key dark.
            if ((bestWithRoom ?? best) is { } chosen)
            {
                result[item.Key] = chosen;
                load[chosen]++;
            }
        }

        return result;
    }

    /// <summary>
    /// Each node's share of the keys in proportion to its weight: the shares are whole numbers that
    /// add up to the number of keys, and the leftover units go to the nodes holding most now, so
    /// that rounding never forces a move.
    /// </summary>
    private static Dictionary<string, int> Capacities(IReadOnlyList<ElectionItem> items, IReadOnlyDictionary<string, string> current)
    {
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var candidate in items.SelectMany(i => i.Candidates))
        {
            weights[candidate.Node] = Math.Max(weights.GetValueOrDefault(candidate.Node), Math.Max(candidate.Weight, 0));
        }

        var total = weights.Values.Sum();
        var capacity = weights.ToDictionary(
            w => w.Key,
            w => total > 0 ? (int)Math.Floor((items.Count * w.Value / total) + 1e-9) : 0,
            StringComparer.Ordinal);
        var leftover = total > 0 ? items.Count - capacity.Values.Sum() : 0;
        var held = current.Values.GroupBy(n => n, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        foreach (var node in weights
            .Where(w => w.Value > 0)
            .OrderByDescending(w => held.GetValueOrDefault(w.Key) - capacity[w.Key])
            .ThenByDescending(w => (items.Count * w.Value / total) - capacity[w.Key])
            .ThenBy(w => w.Key, StringComparer.Ordinal)
            .Take(leftover))
        {
            capacity[node.Key]++;
        }

        return capacity;
    }
}
