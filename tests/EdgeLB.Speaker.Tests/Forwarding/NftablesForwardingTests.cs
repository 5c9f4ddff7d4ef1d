using System.Collections.Concurrent;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;
using static EdgeLB.Speaker.Tests.Forwarding.UserspaceForwardingTests;

namespace EdgeLB.Speaker.Tests.Forwarding;

/// <summary>The same traffic through kernel DNAT programmed in the forwarder namespace.</summary>
[Collection(ForwardingLabGroup.Name)]
public sealed class NftablesForwardingTests(ForwardingLab lab)
{
    private static readonly ServiceForwardingOptions RoundRobin = new() { Balancing = BalancingMode.RoundRobin };

    [NetnsFact]
    public async Task TcpUdpAndIPv6_ReachEveryBackend()
    {
        await using var fwd = await StartAsync();
        await fwd.Service.SetBackendsAsync(new VipPort(lab.Vip4, 80, ForwardProtocol.Tcp), lab.BackendList(TestBackend.HttpPort), RoundRobin, default);
        await fwd.Service.SetBackendsAsync(new VipPort(lab.Vip4, 53, ForwardProtocol.Udp), lab.BackendList(TestBackend.HttpPort), RoundRobin, default);
        await fwd.Service.SetBackendsAsync(new VipPort(lab.Vip6, 80, ForwardProtocol.Tcp), lab.BackendList(TestBackend.HttpPort, ipv6: true), RoundRobin, default);

        // numgen inc spreads new conntrack entries in turn; a reused client port can meet its old
        // entry, so shares are near, not exactly, equal.
        var tcp = await CountNamesAsync(() => lab.GetNameAsync(lab.Vip4), 60);
        var udp = await lab.UdpFlowsAsync(lab.Vip4, 53, 30);
        var v6 = await CountNamesAsync(() => lab.GetNameAsync(lab.Vip6), 30);

        Assert.Equal("b1,b2,b3", Names(tcp));
        Assert.All(tcp.Values, c => Assert.InRange(c, 14, 26));
        Assert.Equal("b1,b2,b3", Names(udp));
        Assert.All(udp.Values, c => Assert.InRange(c, 6, 14));
        Assert.Equal("b1-v6,b2-v6,b3-v6", Names(v6));
        var script = ((NftablesDataPlane)fwd.Plane).LastScript!;
        Assert.Contains("numgen inc mod 3", script, StringComparison.Ordinal);
    }

    [NetnsFact]
    public async Task LargeTransferAndHalfClose_AreByteExact()
    {
        await using var fwd = await StartAsync();
        await fwd.Service.SetBackendsAsync(new VipPort(lab.Vip4, 81, ForwardProtocol.Tcp), lab.BackendList(TestBackend.EchoPort)[..1], RoundRobin, default);

        var (sent, received, length) = await new UserspaceForwardingTests(lab).EchoTransferAsync(lab.Vip4, 81, 100 * 1024 * 1024);

        Assert.Equal(100 * 1024 * 1024, length);
        Assert.Equal(sent, received);
    }

    [NetnsFact]
    public async Task KilledBackend_LeavesTheRuleset_AndReturnsAfterRise()
    {
        var health = new HealthCheckOptions();
        await using var fwd = await StartAsync(health);
        var transitions = new ConcurrentQueue<HealthTransition>();
        fwd.Health.Changed += (_, t) => transitions.Enqueue(t);
        await fwd.Service.SetBackendsAsync(new VipPort(lab.Vip4, 80, ForwardProtocol.Tcp), lab.BackendList(TestBackend.HttpPort), ServiceForwardingOptions.Default, default);
        var plane = (NftablesDataPlane)fwd.Plane;
        var victim = lab.BackendHosts[2].IPv4;

        var killed = DateTimeOffset.UtcNow;
        lab.Backends[2].Stop();
        var down = await WaitForAsync(transitions, t => !t.Available, TimeSpan.FromSeconds(2));
        Assert.Equal(victim, down.Target.EndPoint.Address.ToString());
        Assert.InRange(down.At - killed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => plane.LastScript?.Contains(victim, StringComparison.Ordinal) == false);
        var after = await CountNamesAsync(() => lab.GetNameAsync(lab.Vip4), 30);
        Assert.Equal("b1,b2", Names(after));

        lab.Backends[2].Start();
        await WaitForAsync(transitions, t => t.Available, TimeSpan.FromSeconds(2));
        await WaitUntilAsync(() => plane.LastScript?.Contains(victim, StringComparison.Ordinal) == true);
        Assert.True((await CountNamesAsync(() => lab.GetNameAsync(lab.Vip4), 30)).ContainsKey("b3"));
    }

    [NetnsFact]
    public async Task StartAndDispose_RemoveTheTable()
    {
        await lab.Forwarder.RunAsync("nft", "add", "table", "inet", "edgelb");
        await lab.Forwarder.RunAsync("nft", "add", "chain", "inet", "edgelb", "stale");
        var fwd = await StartAsync();
        try
        {
            Assert.DoesNotContain("edgelb", await lab.Forwarder.RunAsync("nft", "list", "tables"), StringComparison.Ordinal);
            await fwd.Service.SetBackendsAsync(new VipPort(lab.Vip4, 80, ForwardProtocol.Tcp), lab.BackendList(TestBackend.HttpPort), RoundRobin, default);
            var ruleset = await lab.Forwarder.RunAsync("nft", "list", "table", "inet", "edgelb");
            Assert.Contains($"ip daddr {lab.Vip4} tcp dport 80 dnat ip to numgen inc mod 3", ruleset, StringComparison.Ordinal);
            Assert.DoesNotContain("stale", ruleset, StringComparison.Ordinal);
        }
        finally
        {
            await fwd.DisposeAsync();
        }

        Assert.DoesNotContain("edgelb", await lab.Forwarder.RunAsync("nft", "list", "tables"), StringComparison.Ordinal);
    }

    private async Task<LabForwarder> StartAsync(HealthCheckOptions? health = null)
    {
        lab.ResetBackends();
        var fwd = lab.CreateForwarder(DataPlaneKind.Nftables, health);
        await fwd.Service.StartAsync(default);
        return fwd;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }
}
