using System.Net;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Speaker.Tests.Forwarding;

public sealed class ConnectionHandoffRulesTests
{
    private static readonly DateTimeOffset Until = DateTimeOffset.UnixEpoch;

    [Fact]
    public void EachFamily_GetsOneRulePerVip_PassingUnknownSegmentsToThePreviousHolder_AndDroppingTheOriginal()
    {
        var script = ConnectionHandoffRules.Render(
        [
            new ConnectionHandoff(IPAddress.Parse("198.18.7.100"), [443, 80], IPAddress.Parse("198.18.7.2"), "eth0", Until),
            new ConnectionHandoff(IPAddress.Parse("2001:db8:7::100"), [80], IPAddress.Parse("2001:db8:7::2"), "eth1", Until),
        ]);

        Assert.Contains("ip daddr 198.18.7.100 tcp dport { 80, 443 } tcp flags & syn == 0 ct state new,invalid dup to 198.18.7.2 device \"eth0\" drop", script, StringComparison.Ordinal);
        Assert.Contains("ip6 daddr 2001:db8:7::100 tcp dport { 80 } tcp flags & syn == 0 ct state new,invalid dup to 2001:db8:7::2 device \"eth1\" drop", script, StringComparison.Ordinal);

        // Before NAT (dstnat is -100), so the nftables plane's DNAT never sees the handed-over segments.
        Assert.Equal(2, script.Split("hook prerouting priority -150;").Length - 1);
    }

    [Fact]
    public void NoHandover_OnlyRemovesTheTables()
    {
        var script = ConnectionHandoffRules.Render([new ConnectionHandoff(IPAddress.Parse("198.18.7.100"), [], IPAddress.Parse("198.18.7.2"), "eth0", Until)]);

        Assert.Equal("table ip edgelb_handoff\ndelete table ip edgelb_handoff\ntable ip6 edgelb_handoff\ndelete table ip6 edgelb_handoff\n", script);
    }
}
