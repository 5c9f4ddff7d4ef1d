using System.Net;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Testing;

namespace EdgeLB.Speaker.Tests.Forwarding;

public sealed class NftablesRulesetTests
{
    [Fact]
    public void Render_ReplacesTheWholeTable_WithOneRulePerForwardedPort()
    {
        var tcp = Pool("198.18.0.100", 80, ForwardProtocol.Tcp, new ServiceForwardingOptions(), ("198.18.0.1", 30080, 1, true), ("198.18.0.2", 30080, 2, true), ("198.18.0.3", 30080, 1, false));
        var udp = Pool("2001:db8::100", 53, ForwardProtocol.Udp, new ServiceForwardingOptions { SessionAffinityTimeout = TimeSpan.FromHours(3) }, ("2001:db8::1", 30053, 1, true), ("198.18.0.1", 30053, 1, true));

        var script = NftablesRuleset.Render("edgelb", [tcp, udp]);

        Assert.StartsWith("table inet edgelb {}\ndelete table inet edgelb\ntable inet edgelb {\n", script, StringComparison.Ordinal);
        // Weight 2 repeats a backend; the unavailable one is left out.
        Assert.Contains("ip daddr 198.18.0.100 tcp dport 80 dnat ip to numgen random mod 3 map { 0 : 198.18.0.1 . 30080, 1 : 198.18.0.2 . 30080, 2 : 198.18.0.2 . 30080 }", script, StringComparison.Ordinal);
        Assert.DoesNotContain("198.18.0.3", script, StringComparison.Ordinal);
        // Affinity hashes the client address; an IPv4 backend cannot serve an IPv6 VIP through NAT.
        Assert.Contains("ip6 daddr 2001:db8::100 udp dport 53 dnat ip6 to jhash ip6 saddr mod 1 seed 0x454c42 map { 0 : 2001:db8::1 . 30053 }", script, StringComparison.Ordinal);
        Assert.Contains("ct status dnat ct original ip daddr { 198.18.0.100 } masquerade", script, StringComparison.Ordinal);
        Assert.Contains("ct status dnat ct original ip6 daddr { 2001:db8::100 } masquerade", script, StringComparison.Ordinal);
        Assert.Equal(2, NftablesRuleset.CountRules(script));
    }

    [Fact]
    public void Render_OmitsPortsWithoutEligibleBackends()
    {
        var pool = Pool("198.18.0.100", 80, ForwardProtocol.Tcp, new ServiceForwardingOptions { Balancing = BalancingMode.RoundRobin }, ("198.18.0.1", 30080, 1, false));

        var script = NftablesRuleset.Render("edgelb", [pool]);

        Assert.Equal(0, NftablesRuleset.CountRules(script));
        Assert.DoesNotContain("masquerade", script, StringComparison.Ordinal);
    }

    private static BackendPool Pool(string vip, int port, ForwardProtocol protocol, ServiceForwardingOptions options, params (string Ip, int Port, int Weight, bool Up)[] backends)
    {
        var pool = new BackendPool(new VipPort(IPAddress.Parse(vip), port, protocol), options, new ManualTimeProvider());
        pool.Update(
            [.. backends.Select(b =>
            {
                var ep = new IPEndPoint(IPAddress.Parse(b.Ip), b.Port);
                return new BackendSlot(new Backend(ep, b.Weight), new FakeHealthHandle(ep) { IsAvailable = b.Up });
            })],
            options);
        return pool;
    }
}
