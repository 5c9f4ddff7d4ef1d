using EdgeLB.Core.Pools;

namespace EdgeLB.Core.Tests.Pools;

public class PoolConfigurationTests
{
    [Fact]
    public void Reconcile_OverlappingNewPools_OnlyTheYoungerIsRejected_NamingBothPoolsAndTheCommonRange()
    {
        var now = DateTimeOffset.UnixEpoch;
        var config = PoolConfiguration.Reconcile(
        [
            new PoolSpec("a", ["198.18.0.0/24"], CreatedAt: now.AddMinutes(1)),
            new PoolSpec("b", ["198.18.0.128-198.18.1.5"], CreatedAt: now),
            new PoolSpec("c", ["198.18.9.0/24"]),
        ]);

        Assert.Equal(["b", "c"], config.Pools.Select(p => p.Name));
        Assert.Equal(["a"], config.Problems.Keys);
        Assert.Equal(
            "spec.addresses[0]: 198.18.0.0-198.18.0.255 of pool \"a\" overlaps 198.18.0.128-198.18.1.5 of pool \"b\" in 198.18.0.128-198.18.0.255, which stays with pool \"b\"",
            Assert.Single(config.Problems["a"]).ToString());
    }

    [Fact]
    public void Reconcile_OverlappingNewPoolsOfOneAge_TheFirstNameWins()
    {
        var config = PoolConfiguration.Reconcile([new PoolSpec("b", ["198.18.0.0/24"]), new PoolSpec("a", ["198.18.0.7"])]);

        Assert.Equal(["a"], config.Pools.Select(p => p.Name));
        Assert.Contains("overlaps 198.18.0.7 of pool \"a\" in 198.18.0.7", Assert.Single(config.Problems["b"]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_EditThatOverlapsAnExistingPool_KeepsTheLastValidVersion()
    {
        var first = PoolConfiguration.Reconcile([new PoolSpec("a", ["198.18.0.0/24"]), new PoolSpec("b", ["198.18.1.0/24"])]);
        var second = PoolConfiguration.Reconcile([new PoolSpec("a", ["198.18.0.0/24"]), new PoolSpec("b", ["198.18.0.200-198.18.1.20"])], first);

        Assert.Equal(first.Find("a")!.Ranges, second.Find("a")!.Ranges);
        Assert.Same(first.Find("b"), second.Find("b"));
        Assert.False(second.Problems.ContainsKey("a"));
        Assert.Contains("of pool \"a\" in 198.18.0.200-198.18.0.255", Assert.Single(second.Problems["b"]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reconcile_InvalidEdit_KeepsLastValid_AndNewInvalidPoolStaysOut()
    {
        var first = PoolConfiguration.Reconcile([new PoolSpec("a", ["198.18.0.0/24"])]);
        var second = PoolConfiguration.Reconcile([new PoolSpec("a", ["198.18.0.0/99"]), new PoolSpec("z", ["nope"])], first);

        Assert.Equal(["a"], second.Pools.Select(p => p.Name));
        Assert.Same(first.Find("a"), second.Find("a"));
        Assert.Equal("spec.addresses[0]: \"nope\" is not an IP address", Assert.Single(second.Problems["z"]).ToString());
        Assert.Single(second.Problems["a"]);
    }

    [Fact]
    public void Reconcile_DeletedPool_Disappears()
    {
        var first = PoolConfiguration.Reconcile([new PoolSpec("a", ["198.18.0.0/24"]), new PoolSpec("b", ["198.18.1.0/24"])]);
        var second = PoolConfiguration.Reconcile([new PoolSpec("b", ["198.18.1.0/24"])], first);
        Assert.Equal(["b"], second.Pools.Select(p => p.Name));
    }
}
