using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Pools;

/// <summary>
/// The set of pools in force. Each pool is judged on its own, so a mistake in one pool never takes
/// another out of service: a pool whose new version is invalid keeps its last valid version (or
/// stays out if it never had one), and a pool that claims addresses another pool in force already
/// has is refused alone, while the pool in force stays valid and keeps them.
/// </summary>
/// <remarks>
/// Which pool keeps contested addresses: first a pool that was in force and whose addresses did not
/// change; then, among the rest, a pool whose current version was accepted before (its status says
/// so), then the older pool (creation time), then the name. The last three decide at start-up, when
/// nothing is in force yet, so a restart keeps every pool that was valid and has not changed.
/// </remarks>
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
        var before = (previous ?? Empty).Pools.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var problems = new Dictionary<string, List<ValidationProblem>>(StringComparer.Ordinal);
        var inForce = new Dictionary<string, AddressPool>(StringComparer.Ordinal);
        var contenders = new List<(PoolSpec Spec, AddressPool Pool)>();
        foreach (var spec in specs)
        {
            var (pool, found) = PoolValidator.Validate(spec);
            var old = before.GetValueOrDefault(spec.Name);
            if (pool is null)
            {
                problems[spec.Name] = [.. found];
                if (old is not null)
                {
                    inForce[spec.Name] = old;
                }
            }
            else if (old is not null && SameAddresses(old, pool))
            {
                inForce[spec.Name] = pool;
            }
            else
            {
                // New addresses must not overlap anyone's; the old ones stay until the new get in.
                if (old is not null)
                {
                    inForce[spec.Name] = old;
                }

                contenders.Add((spec, pool));
            }
        }

        var waiting = contenders
            .OrderByDescending(c => c.Spec.AcceptedBefore)
            .ThenBy(c => c.Spec.CreatedAt ?? DateTimeOffset.MaxValue)
            .ThenBy(c => c.Spec.Name, StringComparer.Ordinal)
            .ToList();
        for (var i = 0; i < waiting.Count; i++)
        {
            var (spec, pool) = waiting[i];
            if (Overlaps(pool, inForce).Any())
            {
                continue;
            }

            // A pool that moved frees its old addresses, which an earlier contender may have wanted.
            var freed = inForce.ContainsKey(spec.Name);
            inForce[spec.Name] = pool;
            waiting.RemoveAt(i);
            i = freed ? -1 : i - 1;
        }

        foreach (var (spec, pool) in waiting)
        {
            foreach (var (index, range, other, otherRange) in Overlaps(pool, inForce).OrderBy(o => o.Other.Name, StringComparer.Ordinal).ThenBy(o => o.Index))
            {
                var common = new IPRange(range.Family, UInt128.Max(range.First, otherRange.First), UInt128.Min(range.Last, otherRange.Last));
                Add(problems, spec.Name, new(
                    $"spec.addresses[{index}]",
                    $"{range} of pool \"{spec.Name}\" overlaps {otherRange} of pool \"{other.Name}\" in {common}, which stays with pool \"{other.Name}\""));
            }
        }

        return new PoolConfiguration(
            [.. inForce.Values.OrderBy(p => p.Name, StringComparer.Ordinal)],
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

    /// <summary>Every range of <paramref name="pool"/> that overlaps a range of another pool in force.</summary>
    private static IEnumerable<(int Index, IPRange Range, AddressPool Other, IPRange OtherRange)> Overlaps(AddressPool pool, Dictionary<string, AddressPool> inForce)
    {
        foreach (var other in inForce.Values)
        {
            if (other.Name == pool.Name)
            {
                continue;
            }

            for (var i = 0; i < pool.Ranges.Count; i++)
            {
                foreach (var otherRange in other.Ranges)
                {
                    if (pool.Ranges[i].Overlaps(otherRange))
                    {
                        yield return (i, pool.Ranges[i], other, otherRange);
                    }
                }
            }
        }
    }
}
