using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Pools;

/// <summary>
/// The set of pools in force. Built from what the user wrote and the previous set: a pool whose new
/// version is invalid, or overlaps another pool, keeps its last valid version (or stays out if it
/// never had one), so a typo in one pool never takes addresses away from running Services.
/// </summary>
public sealed class PoolConfiguration
{
    private PoolConfiguration(IReadOnlyList<AddressPool> pools, IReadOnlyDictionary<string, IReadOnlyList<ValidationProblem>> problems)
    {
        Pools = pools;
        Problems = problems;
    }

    public static PoolConfiguration Empty { get; } = new([], new Dictionary<string, IReadOnlyList<ValidationProblem>>(StringComparer.Ordinal));

    /// <summary>The pools in force, ordered by name.</summary>
    public IReadOnlyList<AddressPool> Pools { get; }

    /// <summary>For each pool whose latest version was not accepted, why.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ValidationProblem>> Problems { get; }

    public AddressPool? Find(string name) => Pools.FirstOrDefault(p => p.Name == name);

    public static PoolConfiguration Reconcile(IEnumerable<PoolSpec> specs, PoolConfiguration? previous = null)
    {
        ArgumentNullException.ThrowIfNull(specs);
        previous ??= Empty;
        var problems = new Dictionary<string, List<ValidationProblem>>(StringComparer.Ordinal);
        var candidates = new SortedDictionary<string, AddressPool>(StringComparer.Ordinal);
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in specs.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            var (pool, found) = PoolValidator.Validate(spec);
            if (pool is not null)
            {
                candidates[spec.Name] = pool;
                if (previous.Find(spec.Name) is not { } old || !SameAddresses(old, pool))
                {
                    changed.Add(spec.Name);
                }
            }
            else
            {
                problems[spec.Name] = [.. found];
                if (previous.Find(spec.Name) is { } old)
                {
                    candidates[spec.Name] = old;
                }
            }
        }

        // Revert changed pools until no two pools overlap. The previous set had no overlaps, so
        // this ends at the latest when every changed pool is back to its previous version.
        while (FindOverlap(candidates.Values) is { } overlap)
        {
            var (a, b, rangeA, rangeB) = overlap;
            foreach (var (pool, range, other, otherRange) in new[] { (a, rangeA, b, rangeB), (b, rangeB, a, rangeA) })
            {
                if (!changed.Contains(pool.Name) && changed.Contains(other.Name))
                {
                    continue;
                }

                Add(problems, pool.Name, new(
                    $"spec.addresses[{IndexOf(pool, range)}]",
                    $"{range} overlaps pool \"{other.Name}\" ({otherRange})"));
                changed.Remove(pool.Name);
                if (previous.Find(pool.Name) is { } old && !ReferenceEquals(old, pool))
                {
                    candidates[pool.Name] = old;
                }
                else
                {
                    candidates.Remove(pool.Name);
                }
            }
        }

        return new PoolConfiguration(
            [.. candidates.Values],
            problems.ToDictionary(p => p.Key, p => (IReadOnlyList<ValidationProblem>)p.Value, StringComparer.Ordinal));
    }

    private static void Add(Dictionary<string, List<ValidationProblem>> problems, string pool, ValidationProblem problem)
    {
        if (!problems.TryGetValue(pool, out var list))
        {
            problems[pool] = list = [];
        }

        if (!list.Contains(problem))
        {
            list.Add(problem);
        }
    }

    private static bool SameAddresses(AddressPool a, AddressPool b) => a.Ranges.SequenceEqual(b.Ranges);

    private static int IndexOf(AddressPool pool, IPRange range)
    {
        for (var i = 0; i < pool.Ranges.Count; i++)
        {
            if (pool.Ranges[i] == range)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The first overlap between ranges of two different pools, found by one sorted sweep.</summary>
    private static (AddressPool A, AddressPool B, IPRange RangeA, IPRange RangeB)? FindOverlap(IEnumerable<AddressPool> pools)
    {
        var all = pools
            .SelectMany(p => p.Ranges.Select(r => (Pool: p, Range: r)))
            .OrderBy(x => x.Range.Family)
            .ThenBy(x => x.Range.First)
            .ToList();
        // Ranges within one pool never overlap (the validator checks), so whatever overlaps the
        // furthest-reaching range seen so far belongs to another pool.
        for (int i = 1, furthest = 0; i < all.Count; i++)
        {
            if (all[furthest].Range.Family != all[i].Range.Family)
            {
                furthest = i;
                continue;
            }

            if (all[furthest].Range.Overlaps(all[i].Range))
            {
                return (all[furthest].Pool, all[i].Pool, all[furthest].Range, all[i].Range);
            }

            if (all[i].Range.Last > all[furthest].Range.Last)
            {
                furthest = i;
            }
        }

        return null;
    }
}
