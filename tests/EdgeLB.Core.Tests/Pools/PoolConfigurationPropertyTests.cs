using CsCheck;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;
using Xunit.Abstractions;
using static EdgeLB.Core.Tests.Allocation.AllocatorFixture;

namespace EdgeLB.Core.Tests.Pools;

/// <summary>
/// Random pool sets and edit sequences, the way the controller applies them: each step creates,
/// edits or deletes a few pools, reconciles against the pools in force, records each pool's status
/// (accepted or not, for which generation) and hands out addresses. The ranges share one small
/// space, so most steps overlap something.
/// </summary>
public class PoolConfigurationPropertyTests(ITestOutputHelper output)
{
    private static readonly string[] PoolNames = ["a", "b", "c", "d", "e"];
    private static readonly ServiceKey[] Services = [.. Enumerable.Range(0, 8).Select(i => new ServiceKey("default", $"svc{i}"))];
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Gen<Edit> GenEdit = Gen.Select(
        Gen.Int[0, PoolNames.Length - 1],
        Gen.Int[0, 9],
        Gen.Int[0, 60],
        Gen.Int[1, 16],
        Gen.Int[0, 3],
        Gen.Int[0, 60],
        (pool, kind, start, length, extra, start2) => new Edit(PoolNames[pool], kind switch
        {
            <= 5 => EditKind.SetAddresses,
            <= 7 => EditKind.Delete,
            8 => EditKind.Invalid,
            _ => EditKind.Priority,
        }, start, length, extra, start2));

    private static readonly Gen<Edit[][]> GenSteps = GenEdit.Array[1, 3].Array[1, 25];

    private enum EditKind
    {
        SetAddresses,
        Delete,
        Invalid,
        Priority,
    }

    [Fact]
    public void UnchangedValidPool_IsNeverInvalidatedByAnotherPoolsChange() =>
        GenSteps.Sample(steps => Run(steps, (before, after, touched, _) =>
        {
            foreach (var pool in before.Pools)
            {
                if (!touched.Contains(pool.Name) && !before.Problems.ContainsKey(pool.Name))
                {
                    Assert.False(after.Problems.ContainsKey(pool.Name), $"{pool.Name} was valid and unchanged, now: {string.Join("; ", after.Problems.GetValueOrDefault(pool.Name) ?? [])}");
                    Assert.Equal(pool.Ranges, after.Find(pool.Name)?.Ranges);
                }
            }
        }), iter: 400, threads: 1, writeLine: output.WriteLine);

    [Fact]
    public void PoolsInForce_NeverOverlap_AndNoAddressIsEverAssignedTwice() =>
        GenSteps.Sample(steps => Run(steps, (_, after, _, allocator) =>
        {
            var ranges = after.Pools.SelectMany(p => p.Ranges.Select(r => (p.Name, Range: r))).ToList();
            foreach (var (name, range) in ranges)
            {
                Assert.DoesNotContain(ranges, o => o.Name != name && o.Range.Overlaps(range));
            }

            var held = allocator.Allocations.SelectMany(a => a.Addresses).ToList();
            Assert.Equal(held.Count, held.Distinct().Count());
        }), iter: 400, threads: 1, writeLine: output.WriteLine);

    /// <summary>
    /// A restart keeps every pool that was valid; when no pool runs on an older version (which
    /// only the memory of the controller that refused the edit knows), it yields exactly the same set.
    /// </summary>
    [Fact]
    public void Restart_YieldsTheSameValidSet() =>
        GenSteps.Sample(steps => Run(steps, (_, after, _, allocator, specs) =>
        {
            var restarted = PoolConfiguration.Reconcile(specs);
            var validBefore = Valid(after);
            var validAfter = Valid(restarted);
            Assert.Superset(validBefore, validAfter);
            if (after.Pools.All(p => !after.Problems.ContainsKey(p.Name)))
            {
                Assert.Equal(validBefore.Order(), validAfter.Order());
            }

            foreach (var name in validBefore)
            {
                Assert.Equal(after.Find(name)!.Ranges, restarted.Find(name)!.Ranges);
            }

            // Every Service keeps its addresses through the restart.
            var relearning = new Allocator(restarted);
            foreach (var (key, addresses) in allocator.Allocations)
            {
                Assert.True(relearning.Relearn(Svc(key.Name), addresses).Succeeded);
            }

            Assert.Equal(allocator.Allocations.Count(), relearning.Allocations.Count());
        }), iter: 400, threads: 1, writeLine: output.WriteLine);

    private static HashSet<string> Valid(PoolConfiguration config) =>
        [.. config.Pools.Select(p => p.Name).Where(n => !config.Problems.ContainsKey(n))];

    private static void Run(Edit[][] steps, Action<PoolConfiguration, PoolConfiguration, HashSet<string>, Allocator> check) =>
        Run(steps, (before, after, touched, allocator, _) => check(before, after, touched, allocator));

    /// <summary>
    /// Plays the steps; after each reconcile calls <paramref name="check"/> with the pools before
    /// and after, the pools the step touched, the allocator, and the specs as a restarted
    /// controller would read them (with the status just written).
    /// </summary>
    private static void Run(Edit[][] steps, Action<PoolConfiguration, PoolConfiguration, HashSet<string>, Allocator, List<PoolSpec>> check)
    {
        var objects = new Dictionary<string, PoolObject>(StringComparer.Ordinal);
        var config = PoolConfiguration.Empty;
        var allocator = new Allocator(config);
        for (var step = 0; step < steps.Length; step++)
        {
            var touched = new HashSet<string>(StringComparer.Ordinal);
            foreach (var edit in steps[step])
            {
                touched.Add(edit.Pool);
                Apply(objects, edit, T0.AddSeconds(step));
            }

            var before = config;
            config = PoolConfiguration.Reconcile(Specs(objects), before);
            allocator.SetPools(config);
            for (var i = 0; i < Services.Length; i++)
            {
                if ((step + i) % 5 == 0)
                {
                    allocator.Release(Services[i]);
                    continue;
                }

                var result = allocator.Assign(Svc(Services[i].Name));
                if (result.Changed)
                {
                    Assert.All(result.Addresses, a => Assert.Contains(config.Pools, p => p.Contains(a)));
                }
            }

            foreach (var (name, o) in objects)
            {
                objects[name] = o with { AcceptedGeneration = config.Find(name) is not null && !config.Problems.ContainsKey(name) ? o.Generation : null };
            }

            check(before, config, touched, allocator, Specs(objects));
        }
    }

    private static List<PoolSpec> Specs(Dictionary<string, PoolObject> objects) =>
        [.. objects.Values.Select(o => o.Spec with { AcceptedBefore = o.AcceptedGeneration == o.Generation })];

    private static void Apply(Dictionary<string, PoolObject> objects, Edit edit, DateTimeOffset now)
    {
        var existing = objects.GetValueOrDefault(edit.Pool);
        if (edit.Kind == EditKind.Delete)
        {
            objects.Remove(edit.Pool);
            return;
        }

        var spec = existing?.Spec ?? new PoolSpec(edit.Pool, [], CreatedAt: now);
        spec = edit.Kind switch
        {
            EditKind.SetAddresses => spec with { Addresses = edit.Ranges() },
            EditKind.Invalid => spec with { Addresses = ["198.18.0.300"] },
            _ => spec with { ServiceAllocation = new ServiceAllocationSpec(Priority: (spec.ServiceAllocation?.Priority ?? 0) + 1) },
        };
        if (spec.Addresses.Count == 0)
        {
            spec = spec with { Addresses = edit.Ranges() };
        }

        objects[edit.Pool] = new PoolObject(spec, (existing?.Generation ?? 0) + 1, existing?.AcceptedGeneration);
    }

    private sealed record PoolObject(PoolSpec Spec, long Generation, long? AcceptedGeneration);

    private sealed record Edit(string Pool, EditKind Kind, int Start, int Length, int Extra, int Start2)
    {
        /// <summary>One IPv4 range, sometimes a second IPv4 range (which may overlap the first: invalid) or an IPv6 range.</summary>
        public List<string> Ranges()
        {
            var ranges = new List<string> { $"198.18.0.{Start}-198.18.0.{Start + Length - 1}" };
            if (Extra == 1)
            {
                ranges.Add($"198.18.0.{Start2}-198.18.0.{Start2 + Length - 1}");
            }
            else if (Extra == 2)
            {
                ranges.Add($"2001:db8::{Start2:x}-2001:db8::{Start2 + Length - 1:x}");
            }

            return ranges;
        }
    }
}
