using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.Lab;

public sealed class ArpCaptureTests
{
    // Lines as tcpdump -e -tt -n prints them (captured from arping in a namespace pair).
    private const string Capture = """
        1796110870.178628 46:6d:33:82:91:f6 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 58: Request who-has 198.18.77.2 tell 198.18.77.1, length 44
        1796110870.178660 fa:02:83:48:68:a8 > 46:6d:33:82:91:f6, ethertype ARP (0x0806), length 42: Reply 198.18.77.2 is-at fa:02:83:48:68:a8, length 28
        1796110870.411631 fa:02:83:48:68:a8 > 46:6d:33:82:91:f6, ethertype ARP (0x0806), length 42: Reply 198.18.77.9 is-at fa:02:83:48:68:a8, length 28
        1796110870.690432 0e:00:00:00:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 58: Request who-has 198.18.77.2 (ff:ff:ff:ff:ff:ff) tell 198.18.77.2, length 44
        1796110870.800000 fa:02:83:48:68:a8 > 46:6d:33:82:91:f6, ethertype ARP (0x0806), length 42: Reply 198.18.77.2 is-at fa:02:83:48:68:a8, length 28
        """;

    [Fact]
    public void ReadsRepliesAndGratuitousRequestsForTheAddressOnly()
    {
        var claims = ArpCapture.Claims(Capture, "198.18.77.2");

        Assert.Equal(
            [new(1796110870.178660, "fa:02:83:48:68:a8", false), new(1796110870.690432, "0e:00:00:00:00:02", true), new ArpClaim(1796110870.800000, "fa:02:83:48:68:a8", false)],
            claims);
    }

    [Fact]
    public void OverlapIsHowLongTheOldMacClaimedAfterTheNewOnesFirstClaim()
    {
        var claims = ArpCapture.Claims(Capture, "198.18.77.2");

        Assert.Equal(109.568, ArpCapture.OverlapMs(claims, "fa:02:83:48:68:a8")!.Value, precision: 2);
        Assert.Equal(0, ArpCapture.OverlapMs([.. claims.Take(2)], "fa:02:83:48:68:a8"));
        Assert.Null(ArpCapture.OverlapMs([.. claims.Take(1)], "fa:02:83:48:68:a8"));
    }

    [Fact]
    public void ReadsNeighborAdvertisementsForTheAddress_AndHowLongAForgedClaimStood()
    {
        const string capture = """
            1796110871.000000 02:00:5e:10:00:66 > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86: 2001:db8:4d::9 > ff02::1: ICMP6, neighbor advertisement, tgt is 2001:db8:4d::100, length 32
            1796110871.001000 fa:02:83:48:68:a8 > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86: 2001:db8:4d::100 > ff02::1: ICMP6, neighbor advertisement, tgt is 2001:db8:4d::101, length 32
            1796110871.003500 fa:02:83:48:68:a8 > 33:33:00:00:00:01, ethertype IPv6 (0x86dd), length 86: 2001:db8:4d::100 > ff02::1: ICMP6, neighbor advertisement, tgt is 2001:db8:4d::100, length 32
            1796110871.004000 fa:02:83:48:68:a8 > 46:6d:33:82:91:f6, ethertype IPv6 (0x86dd), length 86: 2001:db8:4d::100 > 2001:db8:4d::2: ICMP6, neighbor advertisement, tgt is 2001:db8:4d::100, length 32
            """;

        var claims = ArpCapture.Claims(capture, "2001:db8:4d::100");

        Assert.Equal(
            [new(1796110871.000000, "02:00:5e:10:00:66", true), new(1796110871.003500, "fa:02:83:48:68:a8", true), new ArpClaim(1796110871.004000, "fa:02:83:48:68:a8", false)],
            claims);
        Assert.Equal(3.5, ArpCapture.RestoredMs(claims, "02:00:5e:10:00:66", "fa:02:83:48:68:a8")!.Value, precision: 2);
        Assert.Null(ArpCapture.RestoredMs([.. claims.Take(1)], "02:00:5e:10:00:66", "fa:02:83:48:68:a8"));
        Assert.Null(ArpCapture.RestoredMs(ArpCapture.Claims(Capture, "198.18.77.2"), "02:00:5e:10:00:66", "fa:02:83:48:68:a8"));
    }

    [Fact]
    public void SplitBrainIsTwoMacsAlternatingAfterTheNewHoldersClaim()
    {
        const string a = "0e:00:00:00:00:0a", b = "0e:00:00:00:00:0b", c = "0e:00:00:00:00:0c";
        static List<ArpClaim> Seq(params (double Time, string Mac)[] claims) => [.. claims.Select(x => new ArpClaim(x.Time, x.Mac, false))];
        var window = TimeSpan.FromSeconds(2);

        Assert.Equal(0, ArpCapture.SplitBrainEpisodes(Seq((0, a), (1, a), (2, b), (3, b)), window)); // a clean move
        Assert.Equal(0, ArpCapture.SplitBrainEpisodes(Seq((0, a), (2, b), (30, a), (31, a)), window)); // moved back much later
        Assert.Equal(1, ArpCapture.SplitBrainEpisodes(Seq((0, a), (2, b), (2.1, a), (2.2, b)), window)); // the old holder answered after the claim
        Assert.Equal(1, ArpCapture.SplitBrainEpisodes(Seq((0, a), (2, b), (2.1, a), (2.2, b), (2.3, a), (2.4, b), (2.5, a)), window)); // one long episode
        Assert.Equal(2, ArpCapture.SplitBrainEpisodes(Seq((0, a), (2, b), (2.1, a), (2.2, b), (9, c), (9.1, b), (9.2, c)), window)); // b with a, then c with b
        Assert.Equal(0, ArpCapture.SplitBrainEpisodes(Seq((0, a), (2, b), (5, a), (6, b)), window)); // ping-pong moves seconds apart
    }
}
