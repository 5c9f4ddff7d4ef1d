using System.Net;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Testing;

namespace EdgeLB.Speaker.Tests.Forwarding;

public sealed class BackendPoolTests
{
    private static readonly VipPort Vip = new(IPAddress.Parse("198.18.0.100"), 80, ForwardProtocol.Tcp);
    private static readonly IPAddress ClientA = IPAddress.Parse("198.18.0.10");
    private static readonly IPAddress ClientB = IPAddress.Parse("198.18.0.11");
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void LeastConnections_PicksTheBackendWithFewestActive()
    {
        var (pool, slots) = Pool(3);
        slots[0].Opened();
        slots[0].Opened();
        slots[1].Opened();

        Assert.Same(slots[2], pool.Select(ClientA));
    }

    [Fact]
    public void LeastConnections_TiesRotate()
    {
        var (pool, slots) = Pool(3);

        var picks = Enumerable.Range(0, 9).Select(_ => pool.Select(ClientA)!).ToList();

        Assert.All(slots, s => Assert.Equal(3, picks.Count(p => ReferenceEquals(p, s))));
    }

    [Fact]
    public void LeastConnections_HonoursWeights()
    {
        var (pool, slots) = Pool(2, weights: [3, 1]);
        for (var i = 0; i < 8; i++)
        {
            pool.Select(ClientA)!.Opened();
        }

        Assert.Equal(6, slots[0].Active);
        Assert.Equal(2, slots[1].Active);
    }

    [Fact]
    public void RoundRobin_CyclesByWeight_AndSkipsUnavailable()
    {
        var (pool, slots) = Pool(3, BalancingMode.RoundRobin, weights: [2, 1, 1]);

        var first = Enumerable.Range(0, 8).Select(_ => Array.IndexOf(slots, pool.Select(ClientA))).ToArray();
        Assert.Equal([0, 0, 1, 2, 0, 0, 1, 2], first);

        ((FakeHealthHandle)slots[0].Health).IsAvailable = false;
        var second = Enumerable.Range(0, 4).Select(_ => Array.IndexOf(slots, pool.Select(ClientA))).ToArray();
        Assert.DoesNotContain(0, second);
        Assert.Equal(8 + 4, slots.Sum(s => s.Selected));
    }

    [Fact]
    public void Select_SkipsExcludedAndRemoved_AndReturnsNullWhenNoneLeft()
    {
        var (pool, slots) = Pool(3);
        slots[1].Removed = true;

        Assert.Same(slots[2], pool.Select(ClientA, [slots[0]]));
        Assert.Null(pool.Select(ClientA, [slots[0], slots[2]]));
    }

    [Fact]
    public void Affinity_KeepsAClientOnItsBackend_UntilTheTimeoutPassesWithoutConnections()
    {
        var (pool, slots) = Pool(3, BalancingMode.RoundRobin, affinity: TimeSpan.FromSeconds(10));

        var a = pool.Select(ClientA);
        var b = pool.Select(ClientB);
        Assert.NotSame(a, b);
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(9));
            Assert.Same(a, pool.Select(ClientA));
        }

        // Ten idle seconds end the affinity (B's ended long ago); round-robin moves on from where it was.
        Assert.Equal(2, pool.AffinityEntries);
        _time.Advance(TimeSpan.FromSeconds(10));
        pool.ExpireAffinity();
        Assert.Equal(0, pool.AffinityEntries);
        Assert.NotSame(a, pool.Select(ClientA));
        Assert.Equal(3, slots.Count(s => s.Selected > 0));
    }

    [Fact]
    public void Affinity_MovesOffAnUnavailableBackend_AndSticksToTheNewOne()
    {
        var (pool, _) = Pool(3, affinity: TimeSpan.FromMinutes(1));
        var first = pool.Select(ClientA)!;
        ((FakeHealthHandle)first.Health).IsAvailable = false;

        var second = pool.Select(ClientA)!;
        ((FakeHealthHandle)first.Health).IsAvailable = true;

        Assert.NotSame(first, second);
        Assert.Same(second, pool.Select(ClientA));
    }

    [Fact]
    public void Update_WithoutAffinity_ForgetsClients()
    {
        var (pool, slots) = Pool(2, affinity: TimeSpan.FromMinutes(1));
        pool.Select(ClientA);
        Assert.Equal(1, pool.AffinityEntries);

        pool.Update(slots, ServiceForwardingOptions.Default);

        Assert.Equal(0, pool.AffinityEntries);
    }

    private (BackendPool Pool, BackendSlot[] Slots) Pool(int n, BalancingMode mode = BalancingMode.LeastConnections, int[]? weights = null, TimeSpan? affinity = null)
    {
        var slots = Enumerable.Range(0, n).Select(i =>
        {
            var ep = new IPEndPoint(IPAddress.Parse($"198.18.0.{i + 1}"), 30080);
            return new BackendSlot(new Backend(ep, weights?[i] ?? 1), new FakeHealthHandle(ep));
        }).ToArray();
        var options = new ServiceForwardingOptions { Balancing = mode, SessionAffinityTimeout = affinity };
        var pool = new BackendPool(Vip, options, _time);
        pool.Update(slots, options);
        return (pool, slots);
    }
}
