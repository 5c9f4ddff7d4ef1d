using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;
using Xunit.Abstractions;

namespace EdgeLB.Core.Tests.Allocation;

/// <summary>
/// Random sequences of assign, release, restart (re-learn) and pool edits, checking after every
/// step the rules no sequence may break. A failure names its seed and prints the last steps; rerun
/// one seed with EDGELB_MODEL_SEED=n, or soak with EDGELB_MODEL_SEEDS=count.
/// </summary>
public class AllocatorModelTests(ITestOutputHelper output)
{
    private const int Steps = 400;
    private static readonly string[] Names = [.. Enumerable.Range(0, 24).Select(i => $"svc{i}")];
    private static readonly string?[] SharingKeys = [null, null, "k1", "k2"];
    private static readonly int[] PortChoices = [80, 443, 53];

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        if (int.TryParse(Environment.GetEnvironmentVariable("EDGELB_MODEL_SEED"), out var only))
        {
            data.Add(only);
            return data;
        }

        var count = int.TryParse(Environment.GetEnvironmentVariable("EDGELB_MODEL_SEEDS"), out var n) ? n : 60;
        for (var seed = 1; seed <= count; seed++)
        {
            data.Add(seed);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomOperations_KeepEveryInvariant(int seed)
    {
        var random = new Random(seed);
        var pools = RandomPools(random);
        var allocator = new Allocator(pools);
        var accepted = new Dictionary<ServiceKey, ServiceRequest>();
        var step = 0;
        var trace = new List<string>();
        try
        {
            for (; step < Steps; step++)
            {
                var roll = random.Next(100);
                if (roll < 60)
                {
                    var request = RandomService(random, pools);
                    var result = allocator.Assign(request);
                    trace.Add($"assign {Describe(request)} -> {string.Join(",", result.Addresses)} {result.Refusal}");
                    if (result.Succeeded)
                    {
                        accepted[request.Key] = request;
                        Assert.NotEmpty(result.Addresses);
                    }
                    else
                    {
                        Assert.False(string.IsNullOrEmpty(result.Refusal!.Message));
                        Assert.Equal(accepted.ContainsKey(request.Key), allocator.AddressesOf(request.Key).Count > 0);
                    }
                }
                else if (roll < 80)
                {
                    var key = new ServiceKey("default", Names[random.Next(Names.Length)]);
                    trace.Add($"release {key}");
                    Assert.Equal(accepted.Remove(key), allocator.Release(key));
                }
                else if (roll < 90)
                {
                    trace.Add("restart");
                    allocator = Restart(allocator, pools, accepted);
                }
                else
                {
                    pools = PoolConfiguration.Reconcile(RandomPoolSpecs(random), pools);
                    allocator.SetPools(pools);
                    trace.Add($"pools {string.Join(" ", pools.Pools.Select(p => $"{p.Name}[{string.Join(",", p.Ranges)}]"))}");
                }

                CheckInvariants(allocator, pools, accepted);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            output.WriteLine($"model test failed with seed {seed} at step {step}; last steps:");
            foreach (var line in trace.TakeLast(25))
            {
                output.WriteLine(line);
            }

            throw new InvalidOperationException($"seed {seed}, step {step}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// A restart: a new allocator re-learns every allocation and ends in the same state; then
    /// assigning every Service again does exactly what it does in the allocator that never
    /// restarted, and never takes away an address a Service held.
    /// </summary>
    private static Allocator Restart(Allocator before, PoolConfiguration pools, Dictionary<ServiceKey, ServiceRequest> accepted)
    {
        var after = new Allocator(pools);
        foreach (var (key, addresses) in before.Allocations.OrderBy(a => a.Service))
        {
            var relearned = after.Relearn(accepted[key], addresses);
            Assert.True(relearned.Succeeded, $"re-learning {key}: {relearned.Refusal}");
        }

        Assert.Equal(Snapshot(before), Snapshot(after));
        foreach (var (key, request) in accepted.OrderBy(a => a.Key))
        {
            var held = before.AddressesOf(key).ToList();
            var expected = before.Assign(request);
            var actual = after.Assign(request);
            Assert.Equal(string.Join(",", expected.Addresses), string.Join(",", actual.Addresses));
            Assert.Equal(expected.Changed, actual.Changed);
            Assert.True(held.All(actual.Addresses.Contains), $"{key} lost an address after a restart: {string.Join(",", held)} -> {string.Join(",", actual.Addresses)}");
        }

        Assert.Equal(Snapshot(before), Snapshot(after));
        return after;
    }

    private static void CheckInvariants(Allocator allocator, PoolConfiguration pools, Dictionary<ServiceKey, ServiceRequest> accepted)
    {
        Assert.Equal(accepted.Keys.Order(), allocator.Allocations.Select(a => a.Service).Order());
        var holders = new Dictionary<IPValue, List<ServiceKey>>();
        foreach (var (key, addresses) in allocator.Allocations)
        {
            Assert.Equal(addresses.Count, addresses.Select(a => a.Family).Distinct().Count());
            foreach (var address in addresses)
            {
                if (!holders.TryGetValue(address, out var list))
                {
                    holders[address] = list = [];
                }

                list.Add(key);
            }
        }

        // No address is held twice except under one sharing key, with ports apart and, under
        // Local, the same pods.
        foreach (var (address, keys) in holders)
        {
            if (keys.Count < 2)
            {
                continue;
            }

            var requests = keys.Select(k => accepted[k]).ToList();
            var sharingKeys = requests.Select(r => r.Annotations.GetValueOrDefault(ServiceAnnotations.AllowSharedIP)).Distinct().ToList();
            Assert.True(sharingKeys is [not null], $"{address} held by {string.Join(", ", keys)} without one sharing key");
            var ports = requests.SelectMany(r => r.Ports).ToList();
            Assert.True(ports.Count == ports.Distinct().Count(), $"{address}: colliding ports among {string.Join(", ", keys)}");
            if (requests.Any(r => r.ExternalTrafficPolicy == TrafficPolicy.Local))
            {
                Assert.Single(requests.Select(r => string.Join(",", r.Selector.OrderBy(kv => kv.Key))).Distinct());
            }
        }

        // Every held address lies in a pool that has it, or is reported as an orphan.
        var orphans = allocator.Orphans.ToHashSet();
        foreach (var address in holders.Keys)
        {
            var pool = pools.Pools.FirstOrDefault(p => p.Contains(address));
            Assert.Equal(pool?.Name, allocator.PoolOf(address));
            Assert.Equal(pool is null, orphans.Contains(address));
        }

        Assert.True(orphans.IsSubsetOf(holders.Keys));

        // Pool usage counts each held address once.
        foreach (var pool in pools.Pools)
        {
            foreach (var family in new[] { IPFamily.IPv4, IPFamily.IPv6 })
            {
                var held = holders.Keys.Count(a => a.Family == family && allocator.PoolOf(a) == pool.Name);
                Assert.Equal(held, allocator.Usage(pool.Name, family).Allocated);
            }
        }
    }

    private static string Describe(ServiceRequest r) =>
        $"{r.Key.Name} {string.Join(" ", r.Annotations.Select(a => $"{a.Key.Split('/')[1]}={a.Value}"))} {r.IPFamilyPolicy}[{string.Join(",", r.IPFamilies)}] {string.Join(",", r.Ports)} {r.ExternalTrafficPolicy} {r.Selector["app"]}";

    private static string Snapshot(Allocator allocator) =>
        string.Join(";", allocator.Allocations.OrderBy(a => a.Service).Select(a => $"{a.Service}={string.Join(",", a.Addresses)}"));

    private static PoolConfiguration RandomPools(Random random)
    {
        PoolConfiguration config;
        do
        {
            config = PoolConfiguration.Reconcile(RandomPoolSpecs(random));
        }
        while (config.Pools.Count == 0);

        return config;
    }

    private static List<PoolSpec> RandomPoolSpecs(Random random)
    {
        var specs = new List<PoolSpec>();
        foreach (var name in new[] { "a", "b", "c" })
        {
            if (random.Next(4) == 0)
            {
                continue;
            }

            var block = random.Next(0, 4);
            var start = random.Next(250, 256);
            var ranges = new List<string> { $"198.18.{block}.{start}-198.18.{block + 1}.{random.Next(0, 4)}" };
            if (random.Next(2) == 0)
            {
                ranges.Add($"2001:db8:{block}::{random.Next(1, 4):x}-2001:db8:{block}::{random.Next(4, 9):x}");
            }

            specs.Add(new PoolSpec(
                name,
                ranges,
                AutoAssign: random.Next(5) != 0,
                AvoidBuggyIPs: random.Next(2) == 0,
                ServiceAllocation: random.Next(2) == 0 ? new ServiceAllocationSpec(Priority: random.Next(0, 3)) : null));
        }

        return specs;
    }

    private static ServiceRequest RandomService(Random random, PoolConfiguration pools)
    {
        var annotations = new Dictionary<string, string>();
        var sharingKey = SharingKeys[random.Next(SharingKeys.Length)];
        if (sharingKey is not null)
        {
            annotations[ServiceAnnotations.AllowSharedIP] = sharingKey;
        }

        if (random.Next(6) == 0)
        {
            annotations[ServiceAnnotations.AddressPool] = random.Next(4) == 0 ? "missing" : new[] { "a", "b", "c" }[random.Next(3)];
        }

        if (random.Next(6) == 0)
        {
            var block = random.Next(0, 5);
            annotations[ServiceAnnotations.LoadBalancerIPs] = random.Next(3) == 0
                ? $"2001:db8:{block}::{random.Next(1, 9):x}"
                : $"198.18.{block}.{random.Next(250, 256)}";
        }

        var policy = (IPFamilyPolicy)random.Next(3);
        IReadOnlyList<IPFamily> families = random.Next(4) switch
        {
            0 => [IPFamily.IPv6],
            1 => [IPFamily.IPv4, IPFamily.IPv6],
            2 => [IPFamily.IPv6, IPFamily.IPv4],
            _ => [IPFamily.IPv4],
        };
        if (policy == IPFamilyPolicy.SingleStack)
        {
            families = [families[0]];
        }

        var ports = PortChoices.Where(_ => random.Next(2) == 0).Select(p => new ServicePort("TCP", p)).ToList();
        _ = pools;
        return new ServiceRequest
        {
            Key = new ServiceKey("default", Names[random.Next(Names.Length)]),
            Annotations = annotations,
            IPFamilyPolicy = policy,
            IPFamilies = families,
            Ports = ports.Count > 0 ? ports : [new ServicePort("UDP", 53)],
            ExternalTrafficPolicy = random.Next(3) == 0 ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            Selector = new Dictionary<string, string> { ["app"] = random.Next(2) == 0 ? "web" : "api" },
        };
    }
}
