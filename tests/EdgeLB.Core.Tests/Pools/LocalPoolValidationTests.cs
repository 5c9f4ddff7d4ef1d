using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;
using static EdgeLB.Core.Tests.Allocation.AllocatorFixture;

namespace EdgeLB.Core.Tests.Pools;

/// <summary>The operator mistakes that used to take a healthy pool out of service, one test each.</summary>
public class LocalPoolValidationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TyposInTwoNewPools_AreRefusedAlone_AndThePoolInUseStaysValidAndNamed()
    {
        var prod = new PoolSpec("prod", ["198.18.2.10-198.18.2.20", "2001:db8:3::/120"], CreatedAt: T0);
        var config = PoolConfiguration.Reconcile([prod]);
        var allocator = new Allocator(config);
        Assert.Equal("198.18.2.10", allocator.Assign(Svc("web")).Ips());

        var typo1 = new PoolSpec("typo1", ["198.18.2.0-198.18.2.10"], CreatedAt: T0.AddHours(1));
        config = PoolConfiguration.Reconcile([prod, typo1], config);
        allocator.SetPools(config);
        Assert.Equal(["prod"], config.Pools.Select(p => p.Name));
        Assert.Equal(["typo1"], config.Problems.Keys);
        Assert.Equal(
            "spec.addresses[0]: 198.18.2.0-198.18.2.10 of pool \"typo1\" overlaps 198.18.2.10-198.18.2.20 of pool \"prod\" in 198.18.2.10, which stays with pool \"prod\"",
            Assert.Single(config.Problems["typo1"]).ToString());

        var typo2 = new PoolSpec("typo2", ["2001:db8:2:1::-2001:db8:3::5"], CreatedAt: T0.AddHours(2));
        config = PoolConfiguration.Reconcile([prod, typo1, typo2], config);
        allocator.SetPools(config);
        Assert.Equal(["prod"], config.Pools.Select(p => p.Name));
        Assert.Equal(["typo1", "typo2"], config.Problems.Keys.Order());
        Assert.Contains(
            "2001:db8:2:1::-2001:db8:3::5 of pool \"typo2\" overlaps 2001:db8:3::-2001:db8:3::ff of pool \"prod\" in 2001:db8:3::-2001:db8:3::5",
            Assert.Single(config.Problems["typo2"]).Message,
            StringComparison.Ordinal);

        // prod still hands out addresses, also to a Service that names it.
        Assert.Empty(allocator.Orphans);
        Assert.Equal(1, allocator.Usage("prod", IPFamily.IPv4).Allocated);
        Assert.Equal(10, (int)allocator.Usage("prod", IPFamily.IPv4).Available);
        var named = allocator.Assign(Svc("api", annotations: (ServiceAnnotations.AddressPool, "prod")));
        Assert.True(named.Succeeded, named.Refusal?.ToString());
        Assert.Equal("prod", named.Pool);
    }

    [Fact]
    public void Restart_WithAnOlderPoolWhoseEditOverlapsThePoolInUse_KeepsThePoolInUseAndEveryHolder()
    {
        // stray was created first elsewhere; ex50 came later and hands out all 50 addresses; then
        // stray was edited onto ex50's addresses, which was refused.
        var strayBefore = new PoolSpec("stray", ["198.18.60.0/28"], CreatedAt: T0);
        var ex50 = new PoolSpec("ex50", ["198.18.50.0-198.18.50.49"], CreatedAt: T0.AddDays(1));
        var config = PoolConfiguration.Reconcile([strayBefore, ex50]);
        var allocator = new Allocator(config);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(allocator.Assign(Svc($"holder{i}")).Succeeded);
        }

        var strayEdited = strayBefore with { Addresses = ["198.18.50.40-198.18.50.60"] };
        config = PoolConfiguration.Reconcile([strayEdited, ex50], config);
        Assert.Equal(["stray"], config.Problems.Keys);

        // The restart knows only the objects: ex50's status says its version was accepted, stray's does not.
        var restarted = PoolConfiguration.Reconcile([strayEdited, ex50 with { AcceptedBefore = true }]);
        Assert.Equal(["ex50"], restarted.Pools.Select(p => p.Name));
        Assert.Equal(["stray"], restarted.Problems.Keys);
        var after = new Allocator(restarted);
        foreach (var (key, addresses) in allocator.Allocations)
        {
            Assert.True(after.Relearn(Svc(key.Name), addresses).Succeeded);
        }

        Assert.Empty(after.Orphans);
        var waiting = after.Assign(Svc("pending"));
        Assert.Equal(AllocationReasons.PoolExhausted, waiting.Refusal?.Reason);
    }

    [Fact]
    public void Restart_WithNoStatusYet_TheOlderPoolKeepsItsAddresses()
    {
        var ex50 = new PoolSpec("ex50", ["198.18.50.0-198.18.50.49"], CreatedAt: T0);
        var overlapping = new PoolSpec("a-overlap", ["198.18.50.40-198.18.50.60"], CreatedAt: T0.AddMinutes(1));
        var invalid = new PoolSpec("b-invalid", ["198.18.50.300"], CreatedAt: T0.AddMinutes(2));

        var restarted = PoolConfiguration.Reconcile([overlapping, invalid, ex50]);

        Assert.Equal(["ex50"], restarted.Pools.Select(p => p.Name));
        Assert.Equal(["a-overlap", "b-invalid"], restarted.Problems.Keys.Order());
        Assert.Contains("of pool \"ex50\" in 198.18.50.40-198.18.50.49", Assert.Single(restarted.Problems["a-overlap"]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadPoolStartingBelowAValidOne_DoesNotMarkTheValidOneInvalid()
    {
        var valid = new PoolSpec("valid", ["198.18.5.10-198.18.5.20"], CreatedAt: T0);
        var first = PoolConfiguration.Reconcile([valid]);
        var bad = new PoolSpec("bad", ["198.18.5.0-198.18.5.15"], CreatedAt: T0.AddMinutes(1));

        var second = PoolConfiguration.Reconcile([valid, bad], first);

        Assert.Equal(["valid"], second.Pools.Select(p => p.Name));
        Assert.Equal(["bad"], second.Problems.Keys);
        Assert.Equal(first.Find("valid")!.Ranges, second.Find("valid")!.Ranges);

        // The same at start-up, where nothing is in force yet.
        var restarted = PoolConfiguration.Reconcile([bad, valid]);
        Assert.Equal(["valid"], restarted.Pools.Select(p => p.Name));
        Assert.Equal(["bad"], restarted.Problems.Keys);
    }

    [Fact]
    public void PoolThatMoves_FreesItsOldAddressesForAPoolRefusedEarlierInTheSameReconcile()
    {
        var first = PoolConfiguration.Reconcile([new PoolSpec("a", ["198.18.0.0/24"], CreatedAt: T0)]);
        var second = PoolConfiguration.Reconcile(
            [new PoolSpec("a", ["198.18.1.0/24"], CreatedAt: T0), new PoolSpec("b", ["198.18.0.0/24"], CreatedAt: T0.AddMinutes(-1))],
            first);

        Assert.Equal(["a", "b"], second.Pools.Select(p => p.Name));
        Assert.Empty(second.Problems);
    }
}
