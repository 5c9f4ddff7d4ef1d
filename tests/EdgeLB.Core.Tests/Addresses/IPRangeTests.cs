using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Tests.Addresses;

public class IPRangeTests
{
    [Theory]
    [InlineData("198.18.0.0/24", "198.18.0.0", "198.18.0.255")]
    [InlineData("198.18.0.100-198.18.0.150", "198.18.0.100", "198.18.0.150")]
    [InlineData(" 198.18.0.100 - 198.18.0.150 ", "198.18.0.100", "198.18.0.150")]
    [InlineData("198.18.0.7", "198.18.0.7", "198.18.0.7")]
    [InlineData("198.18.0.7/32", "198.18.0.7", "198.18.0.7")]
    [InlineData("2001:db8::/126", "2001:db8::", "2001:db8::3")]
    [InlineData("2001:db8:0:1::100/124", "2001:db8:0:1::100", "2001:db8:0:1::10f")]
    [InlineData("2001:db8::1-2001:db8::ff", "2001:db8::1", "2001:db8::ff")]
    [InlineData("0.0.0.0/0", "0.0.0.0", "255.255.255.255")]
    public void TryParse_ValidForms_GiveInclusiveBounds(string text, string first, string last)
    {
        Assert.True(IPRange.TryParse(text, out var range, out var error), error);
        Assert.Equal(IPValue.Parse(first), range.FirstAddress);
        Assert.Equal(IPValue.Parse(last), range.LastAddress);
    }

    [Theory]
    [InlineData("2001:db8:1::/120", true)]
    [InlineData("2001:db8::/64", true)]
    [InlineData("2001:db8::/126", true)]
    [InlineData("2001:db8::/127", false)]
    [InlineData("2001:db8::/128", false)]
    [InlineData("2001:db8:1::-2001:db8:1::ff", false)]
    [InlineData("2001:db8:1::", false)]
    [InlineData("198.18.0.0/24", false)]
    public void TryParse_IPv6CidrUpToSlash126_ReservesItsSubnetRouterAnycastAddress(string text, bool reserved)
    {
        var range = IPRange.Parse(text);
        Assert.Equal(reserved, range.ReservesFirst);
        Assert.True(range.Contains(range.FirstAddress));
        Assert.Equal(!reserved, range.ContainsUsable(range.FirstAddress));
        Assert.True(range.ContainsUsable(range.LastAddress));
    }

    [Theory]
    [InlineData("198.18.0.300", "\"198.18.0.300\" is not an IP address")]
    [InlineData("198.18.0", "\"198.18.0\" is not an IP address")]
    [InlineData("", "an address range must not be empty")]
    [InlineData("198.18.0.0/33", "\"198.18.0.0/33\" has an invalid prefix length (0-32 for IPv4)")]
    [InlineData("198.18.0.0/x", "\"198.18.0.0/x\" has an invalid prefix length (0-32 for IPv4)")]
    [InlineData("2001:db8::/129", "\"2001:db8::/129\" has an invalid prefix length (0-128 for IPv6)")]
    [InlineData("198.18.0.1/24", "\"198.18.0.1/24\" has host bits set; did you mean \"198.18.0.0/24\"?")]
    [InlineData("198.18.0.9-198.18.0.1", "\"198.18.0.9-198.18.0.1\" ends before it starts")]
    [InlineData("198.18.0.1-2001:db8::1", "\"198.18.0.1-2001:db8::1\" mixes IPv4 and IPv6")]
    [InlineData("198.18.0.1-bogus", "\"bogus\" is not an IP address")]
    [InlineData("fe80::1%eth0", "\"fe80::1%eth0\" is not an IP address")]
    public void TryParse_Invalid_SaysPreciselyWhy(string text, string expected)
    {
        Assert.False(IPRange.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Size_OfIPv6Slash64_IsTwoToThe64WithoutEnumerating()
    {
        var range = IPRange.Parse("2001:db8:1:2::/64");
        Assert.Equal(UInt128.One << 64, range.Size);
    }

    [Theory]
    [InlineData("198.18.0.0/24", "198.18.0.255-198.18.1.10", true)]
    [InlineData("198.18.0.0/24", "198.18.1.0/24", false)]
    [InlineData("198.18.0.0/16", "198.18.200.7", true)]
    [InlineData("198.18.0.0/24", "2001:db8::/64", false)]
    public void Overlaps_IsSymmetricAndFamilyAware(string a, string b, bool expected)
    {
        Assert.Equal(expected, IPRange.Parse(a).Overlaps(IPRange.Parse(b)));
        Assert.Equal(expected, IPRange.Parse(b).Overlaps(IPRange.Parse(a)));
    }

    [Fact]
    public void IPValue_RoundTripsAndOrdersIPv4BeforeIPv6()
    {
        var v4 = IPValue.Parse("198.18.3.4");
        var v6 = IPValue.Parse("2001:db8::5");
        Assert.Equal("198.18.3.4", v4.ToString());
        Assert.Equal("2001:db8::5", v6.ToString());
        Assert.True(v4 < v6);
        Assert.Equal(IPValue.Parse("198.18.3.4"), IPValue.FromAddress(System.Net.IPAddress.Parse("::ffff:198.18.3.4")));
    }
}
