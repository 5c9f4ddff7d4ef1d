using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Tests.Addresses;

public class SlotMapTests
{
    [Fact]
    public void AvoidBuggy_SkipsDotZeroAndDot255_AndRoundTrips()
    {
        var map = SlotMap.For(IPFamily.IPv4, avoidBuggyIPs: true);
        var range = IPRange.Parse("198.18.0.0/23");
        var slots = map.SlotsOf(range)!.Value;
        var addresses = new List<string>();
        for (var s = slots.First; s <= slots.Last; s++)
        {
            var a = map.ToAddress(s);
            Assert.Equal(s, map.ToSlot(a));
            addresses.Add(a.ToString());
        }

        Assert.Equal(508, addresses.Count);
        Assert.Equal("198.18.0.1", addresses[0]);
        Assert.Equal("198.18.0.254", addresses[253]);
        Assert.Equal("198.18.1.1", addresses[254]);
        Assert.Equal("198.18.1.254", addresses[^1]);
        Assert.DoesNotContain(addresses, a => a.EndsWith(".0", StringComparison.Ordinal) || a.EndsWith(".255", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("198.18.0.255-198.18.1.0", 0)]
    [InlineData("198.18.0.255", 0)]
    [InlineData("198.18.0.250-198.18.1.5", 10)]
    [InlineData("198.18.0.0/16", 256 * 254)]
    public void UsableCount_WithAvoidBuggy(string range, int expected)
    {
        Assert.Equal((UInt128)expected, SlotMap.For(IPFamily.IPv4, true).UsableCount(IPRange.Parse(range)));
    }

    [Fact]
    public void AvoidBuggy_DoesNotApplyToIPv6()
    {
        var map = SlotMap.For(IPFamily.IPv6, avoidBuggyIPs: true);
        Assert.Equal((UInt128)256, map.UsableCount(IPRange.Parse("2001:db8::-2001:db8::ff")));
    }

    [Fact]
    public void IPv6Cidr_LeavesOutItsSubnetRouterAnycastAddress_OnlyUpToSlash126()
    {
        var map = SlotMap.For(IPFamily.IPv6, avoidBuggyIPs: false);
        Assert.Equal((UInt128)255, map.UsableCount(IPRange.Parse("2001:db8::/120")));
        Assert.Equal(((UInt128)1, (UInt128)3), map.SlotsOf(IPRange.Parse("::/126")));
        Assert.Equal((UInt128)2, map.UsableCount(IPRange.Parse("2001:db8::/127")));
        Assert.Equal((UInt128)1, map.UsableCount(IPRange.Parse("2001:db8::/128")));
        Assert.Equal((UInt128)256, SlotMap.For(IPFamily.IPv4, avoidBuggyIPs: false).UsableCount(IPRange.Parse("198.18.0.0/24")));
    }
}
