using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Session;
using EdgeLB.Testing;

namespace EdgeLB.Speaker.Tests.Session;

public sealed class ClaimArbiterTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.6.100");
    private static readonly MacAddress OurMac = MacAddress.Parse("02:00:00:00:06:01");
    private static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:06:02");
    private static readonly MacAddress StrangerMac = MacAddress.Parse("02:00:00:00:06:66");
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly ManualTimeProvider _time = new();
    private readonly ClaimArbiter _arbiter;
    private bool _orphaned;
    private int _reports;

    public ClaimArbiterTests()
    {
        _arbiter = new ClaimArbiter(Grace, _time) { IsOrphaned = () => _orphaned, ReportNow = () => _reports++ };
        _arbiter.SetPeers([new PeerSpeaker { Node = "node-b", Macs = { NodeInventory.MacBytes(PeerMac) } }], "node-a");
    }

    [Fact]
    public void UnknownMac_IsDefended_KnownPeer_IsOnlyReported_WhileTheSessionIsOpen()
    {
        var heldSince = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(ClaimVerdict.Defend, _arbiter.Decide(Claim(StrangerMac, heldSince)));
        Assert.Equal(ClaimVerdict.Ignore, _arbiter.Decide(Claim(PeerMac, heldSince)));
        var taken = _arbiter.TakeClaims();
        Assert.Equal([false, true], taken.OrderBy(c => c.KnownPeer).Select(c => c.KnownPeer));
        Assert.Empty(_arbiter.TakeClaims());
    }

    [Fact]
    public void KnownPeer_IsObeyedOnlyWhileOrphaned_AndNotWithinTheGraceOfOurAssignment()
    {
        _orphaned = true;
        var heldSince = _time.GetUtcNow();
        _time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ClaimVerdict.Ignore, _arbiter.Decide(Claim(PeerMac, heldSince)));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ClaimVerdict.StepDown, _arbiter.Decide(Claim(PeerMac, heldSince)));
        Assert.Equal(ClaimVerdict.Defend, _arbiter.Decide(Claim(StrangerMac, heldSince)));
    }

    [Fact]
    public void AFloodOfOneClaim_SendsOneEarlyReportPerInterval_AndForgedMacsAreBounded()
    {
        var heldSince = _time.GetUtcNow();
        for (var i = 0; i < 100; i++)
        {
            _arbiter.Decide(Claim(StrangerMac, heldSince));
        }

        Assert.Equal(1, _reports);
        _time.Advance(ClaimArbiter.EarlyReportInterval);
        _arbiter.Decide(Claim(StrangerMac, heldSince));
        Assert.Equal(2, _reports);
        Assert.Single(_arbiter.TakeClaims());

        for (var i = 0; i < ClaimArbiter.MaxPending * 2; i++)
        {
            var mac = new byte[] { 2, 0, 0, 1, (byte)(i >> 8), (byte)i };
            Assert.Equal(ClaimVerdict.Defend, _arbiter.Decide(Claim(MacAddress.Read(mac), heldSince)));
        }

        Assert.Equal(ClaimArbiter.MaxPending, _arbiter.TakeClaims().Count);
    }

    private AddressClaim Claim(MacAddress claimant, DateTimeOffset heldSince) =>
        new(Vip, "eth0", OurMac, claimant, ClaimKind.ArpRequest, 3, _time.GetUtcNow(), 0, heldSince);
}
