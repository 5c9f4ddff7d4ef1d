using System.Net;
using EdgeLB.Net;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Tests.Announcing.Fakes;
using EdgeLB.Testing;

namespace EdgeLB.Speaker.Tests.Announcing;

public sealed class AnnouncerTests : IDisposable
{
    private static readonly MacAddress OurMac = MacAddress.Parse("02:00:00:00:00:01");
    private static readonly MacAddress OtherMac = MacAddress.Parse("02:00:00:00:00:02");
    private static readonly MacAddress ClientMac = MacAddress.Parse("02:00:00:00:00:99");
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.3.100");
    private static readonly IPAddress Vip6 = IPAddress.Parse("2001:db8:3::100");
    private static readonly IPv4Address ClientIp = IPv4Address.From(IPAddress.Parse("198.18.3.2"));
    private static readonly IPv6Address ClientIp6 = IPv6Address.From(IPAddress.Parse("2001:db8:3::2"));

    private readonly ManualTimeProvider _time = new();
    private readonly FakeLinkEnvironment _environment = new();
    private readonly FakeLinkPort _port = new("eth0", OurMac, IPv6Address.From(IPAddress.Parse("fe80::1")));
    private readonly TestMeterFactory _meters = new();
    private readonly RecordingLogger _logger = new();
    private readonly AnnouncerOptions _options = new() { ReceivePollInterval = TimeSpan.FromMilliseconds(20) };
    private Announcer? _announcer;

    public AnnouncerTests()
    {
        TestThreadPool.EnsureWide();
        _environment.Ports["eth0"] = _port;
    }

    private Announcer Announcer => _announcer ??= new Announcer(_environment, _options, _time, _logger, _meters);

    public void Dispose()
    {
        _announcer?.Dispose();
        _meters.Dispose();
    }

    [Fact]
    public void Assign_SendsBothGratuitousArpFormsBeforeReturning()
    {
        Assert.True(Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromMinutes(1)));

        var sent = Decode(_port.Drain());
        Assert.Equal(2, sent.Count);
        Assert.Equal(new ArpPacket(ArpOperation.Request, OurMac, IPv4Address.From(Vip), MacAddress.Zero, IPv4Address.From(Vip)), sent[0].Arp);
        Assert.Equal(new ArpPacket(ArpOperation.Reply, OurMac, IPv4Address.From(Vip), OurMac, IPv4Address.From(Vip)), sent[1].Arp);
        Assert.All(sent, f => Assert.Equal(MacAddress.Broadcast, f.Destination));
        Assert.True(Announcer.IsAnnouncing(Vip));
        Assert.Equal(2, _meters.Sum("edgelb.speaker.announcer.gratuitous_sent", "interface", "eth0"));
    }

    [Fact]
    public void Assign_IPv6_SendsUnsolicitedOverrideAdvertisementAndJoinsSolicitedNodeGroup()
    {
        Assert.True(Announcer.Assign(Vip6, "eth0", 1, TimeSpan.FromMinutes(1)));

        var na = Assert.Single(Decode(_port.Drain()));
        Assert.Equal(LinkFrameKind.NeighborAdvertisement, na.Kind);
        Assert.Equal(NeighborAdvertisementBits.Override, na.Nd.Flags);
        Assert.Equal(IPv6Address.From(Vip6), na.Nd.Target);
        Assert.Equal(OurMac, na.Nd.LinkLayerAddress);
        Assert.Equal(IPv6Address.AllNodes, na.IPv6Destination);
        Assert.Equal(IPv6Address.From(IPAddress.Parse("fe80::1")), na.IPv6Source);
        Assert.Contains(MacAddress.Parse("33:33:ff:00:01:00"), _port.Groups.Keys);

        Announcer.Revoke(Vip6);
        Assert.Empty(_port.Groups);
    }

    [Fact]
    public void Repeats_FollowTheScheduleThenRefresh()
    {
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromHours(1));
        _port.Drain();

        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Empty(_port.Drain());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, _port.Drain().Length); // +0.5 s
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        Assert.Equal(2, _port.Drain().Length); // +2 s
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(2, _port.Drain().Length); // +5 s
        _time.Advance(TimeSpan.FromSeconds(24.9));
        Assert.Empty(_port.Drain());
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(2, _port.Drain().Length); // refresh at 30 s
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(2, _port.Drain().Length); // and again
    }

    [Fact]
    public void LastAnnounced_FollowsRepeatsAndRefreshes_NotOnlyTheFirstBurst()
    {
        Assert.Null(Announcer.LastAnnounced(Vip));
        var assigned = _time.GetUtcNow();
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromHours(1));
        Assert.Equal(assigned, Announcer.LastAnnounced(Vip));

        _time.Advance(TimeSpan.FromSeconds(30)); // the repeats, then the first refresh
        Assert.Equal(assigned + TimeSpan.FromSeconds(30), Announcer.LastAnnounced(Vip));
        _time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(assigned + TimeSpan.FromSeconds(60), Announcer.LastAnnounced(Vip));

        Announcer.Revoke(Vip);
        Assert.Null(Announcer.LastAnnounced(Vip));
    }

    [Fact]
    public void Refresh_ZeroDisables()
    {
        _options.RefreshInterval = TimeSpan.Zero;
        _options.RepeatSchedule.Clear();
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromHours(1));
        _port.Drain();
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(_port.Drain());
    }

    [Fact]
    public void ArpRequest_ForHeldVip_IsAnsweredUnicast_OtherAddressesAreNot()
    {
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromMinutes(1));
        _port.Drain();

        _port.Inject(ArpRequestFor(IPv4Address.From(IPAddress.Parse("198.18.3.101"))));
        _port.Inject(ArpRequestFor(IPv4Address.From(Vip)));
        var reply = WaitForSent();

        Assert.Equal(ClientMac, reply.Destination);
        Assert.Equal(new ArpPacket(ArpOperation.Reply, OurMac, IPv4Address.From(Vip), ClientMac, ClientIp), reply.Arp);
        Thread.Sleep(50);
        Assert.Empty(_port.Drain()); // nothing for .101
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.replies_sent", "family", "ipv4"));
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.requests_received", "target", "other"));
    }

    [Fact]
    public void LeaseEnd_StopsAnswering()
    {
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(Announcer.IsAnnouncing(Vip));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(Announcer.IsAnnouncing(Vip));
        _port.Drain();

        _port.Inject(ArpRequestFor(IPv4Address.From(Vip)));
        Thread.Sleep(100);
        Assert.Empty(_port.Drain());
        Assert.Contains(_logger.Entries, l => l.Message.Contains("lease ended", StringComparison.Ordinal));
    }

    [Fact]
    public void LeaseEnd_IsCheckedPerRequestEvenBeforeTheTimerFires()
    {
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromSeconds(10));
        _port.Drain();

        // A clock that jumped without firing timers: validity is judged per request from TimeProvider.
        var frozen = new JumpingTimeProvider(_time);
        using var announcer = new Announcer(_environment, _options, frozen, _logger, _meters);
        announcer.Assign(IPAddress.Parse("198.18.3.150"), "eth0", 1, TimeSpan.FromSeconds(10));
        frozen.Jump(TimeSpan.FromSeconds(11));
        _port.Drain();
        _port.Inject(ArpRequestFor(IPv4Address.From(IPAddress.Parse("198.18.3.150"))));
        Thread.Sleep(100);
        Assert.DoesNotContain(Decode(_port.Drain()), f => f.Kind == LinkFrameKind.Arp && f.Arp.Operation == ArpOperation.Reply);
        Assert.False(announcer.IsAnnouncing(IPAddress.Parse("198.18.3.150")));
    }

    [Fact]
    public void Revoke_StopsAnsweringAtOnce()
    {
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromMinutes(1));
        Assert.True(Announcer.Revoke(Vip));
        Assert.False(Announcer.Revoke(Vip));
        _port.Drain();

        _port.Inject(ArpRequestFor(IPv4Address.From(Vip)));
        Thread.Sleep(100);
        Assert.Empty(_port.Drain());
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(_port.Drain()); // no repeat or refresh after revoke
    }

    [Fact]
    public void Epochs_StaleAssignAndRenewAreRefused_RenewExtendsLease()
    {
        Assert.True(Announcer.Assign(Vip, "eth0", 5, TimeSpan.FromSeconds(10)));
        Assert.False(Announcer.Assign(Vip, "eth0", 4, TimeSpan.FromSeconds(10)));
        Assert.False(Announcer.Renew(Vip, 4, _time.GetUtcNow().AddMinutes(1)));
        Assert.True(Announcer.Renew(Vip, 5, _time.GetUtcNow().AddSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(Announcer.IsAnnouncing(Vip));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(Announcer.IsAnnouncing(Vip));
        Assert.False(Announcer.Renew(Vip, 5, _time.GetUtcNow().AddSeconds(30)));
        Assert.False(Announcer.Assign(Vip, "eth0", 6, _time.GetUtcNow()));
    }

    [Fact]
    public void Assign_BadInput_IsRejectedClearly()
    {
        Assert.Throws<ArgumentException>(() => Announcer.Assign(IPAddress.Parse("224.0.0.1"), "eth0", 1, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentException>(() => Announcer.Assign(IPAddress.Parse("fe80::5"), "eth0", 1, TimeSpan.FromMinutes(1)));
        Assert.Throws<ArgumentException>(() => Announcer.Assign(Vip, "", 1, TimeSpan.FromMinutes(1)));
        var missing = Assert.Throws<InvalidOperationException>(() => Announcer.Assign(Vip, "eth9", 1, TimeSpan.FromMinutes(1)));
        Assert.Contains("eth9", missing.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new Announcer(_environment, new AnnouncerOptions { ProbeCount = 0 }, _time, _logger));
    }

    [Fact]
    public async Task Claim_FromAnotherMac_IsReportedCountedAndLoggedWithBothMacs()
    {
        Announcer.Assign(Vip, "eth0", 7, TimeSpan.FromMinutes(1));
        var seen = new List<AddressClaim>();
        using var subscription = Announcer.OnClaim(c =>
        {
            lock (seen)
            {
                seen.Add(c);
            }

            return ClaimVerdict.Ignore;
        });

        var garp = new byte[FrameWriter.MaxFrameLength];
        _port.Inject(garp[..FrameWriter.WriteGratuitousArpReply(garp, OtherMac, IPv4Address.From(Vip))]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var claim = await Announcer.Claims.ReadAsync(cts.Token);

        Assert.Equal(OtherMac, claim.ClaimantMac);
        Assert.Equal(OurMac, claim.OurMac);
        Assert.Equal(ClaimKind.ArpReply, claim.Kind);
        Assert.Equal(7, claim.Epoch);
        Assert.Equal(ClaimVerdict.Ignore, claim.Verdict);
        Assert.Single(seen);
        Assert.True(Announcer.IsAnnouncing(Vip)); // unknown MAC: report, not obey
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.claims_seen", "interface", "eth0"));
        Assert.Contains(_logger.Entries, l => l.Message.Contains(OtherMac.ToString(), StringComparison.Ordinal) && l.Message.Contains(OurMac.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Claim_WithStepDownVerdict_StopsBeforeTheNextFrame()
    {
        Announcer.Assign(Vip, "eth0", 7, TimeSpan.FromMinutes(1));
        using var subscription = Announcer.OnClaim(c => c.ClaimantMac == OtherMac ? ClaimVerdict.StepDown : ClaimVerdict.Ignore);
        _port.Drain();

        var garp = new byte[FrameWriter.MaxFrameLength];
        _port.Inject(garp[..FrameWriter.WriteGratuitousArpRequest(garp, OtherMac, IPv4Address.From(Vip))]);
        _port.Inject(ArpRequestFor(IPv4Address.From(Vip))); // read after the claim: must not be answered
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var claim = await Announcer.Claims.ReadAsync(cts.Token);

        Assert.Equal(ClaimVerdict.StepDown, claim.Verdict);
        Assert.False(Announcer.IsAnnouncing(Vip));
        Thread.Sleep(100);
        Assert.Empty(_port.Drain());
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.step_downs"));
    }

    [Fact]
    public async Task Claim_WithDefendVerdict_ReannouncesAtOnce_ThenOncePerInterval_WhileTheClaimPersists()
    {
        _options.RepeatSchedule.Clear(); // only defences leave after the first burst
        Announcer.Assign(Vip, "eth0", 7, TimeSpan.FromMinutes(1));
        using var subscription = Announcer.OnClaim(_ => ClaimVerdict.Defend);
        _port.Drain();
        var garp = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteGratuitousArpRequest(garp, OtherMac, IPv4Address.From(Vip));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        async Task ClaimAsync(int times)
        {
            for (var i = 0; i < times; i++)
            {
                _port.Inject(garp[..length]);
                await Announcer.Claims.ReadAsync(cts.Token);
            }
        }

        await ClaimAsync(3);
        var defence = Decode(_port.Drain());
        Assert.Equal(2, defence.Count); // one burst (request + reply) at once, not three
        Assert.All(defence, f => Assert.Equal(OurMac, f.Arp.SenderHardware));

        // The claim persists: answered once more when the interval has passed, not per frame.
        _time.Advance(_options.DefendInterval - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_port.Drain());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, _port.Drain().Length);
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.defences_sent", "when", "immediate"));
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.defences_sent", "when", "deferred"));

        // Quiet for an interval: the next claim is answered at once again.
        _time.Advance(_options.DefendInterval);
        Assert.Empty(_port.Drain());
        await ClaimAsync(1);
        Assert.Equal(2, _port.Drain().Length);
        Assert.True(Announcer.IsAnnouncing(Vip));

        // The controller's Defend goes through the same limit, and only for the held epoch.
        Assert.False(Announcer.Defend(Vip, 6));
        Assert.True(Announcer.Defend(Vip, 7));
        Assert.Empty(_port.Drain());
        _time.Advance(_options.DefendInterval);
        Assert.Equal(2, _port.Drain().Length);
    }

    [Fact]
    public async Task NeighborDiscovery_SolicitationAnswered_AdvertisementFromOtherMacIsAClaim()
    {
        Announcer.Assign(Vip6, "eth0", 1, TimeSpan.FromMinutes(1));
        _port.Drain();

        var buffer = new byte[FrameWriter.MaxFrameLength];
        _port.Inject(buffer[..FrameWriter.WriteNeighborSolicitation(buffer, ClientMac, ClientIp6, IPv6Address.From(Vip6))]);
        var na = WaitForSent();
        Assert.Equal(LinkFrameKind.NeighborAdvertisement, na.Kind);
        Assert.Equal(ClientMac, na.Destination);
        Assert.Equal(ClientIp6, na.IPv6Destination);
        Assert.Equal(NeighborAdvertisementBits.Solicited | NeighborAdvertisementBits.Override, na.Nd.Flags);
        Assert.Equal(OurMac, na.Nd.LinkLayerAddress);

        _port.Inject(buffer[..FrameWriter.WriteUnsolicitedNeighborAdvertisement(buffer, OtherMac, IPv6Address.From(IPAddress.Parse("fe80::2")), IPv6Address.From(Vip6))]);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var claim = await Announcer.Claims.ReadAsync(cts.Token);
        Assert.Equal(ClaimKind.NeighborAdvertisement, claim.Kind);
        Assert.Equal(OtherMac, claim.ClaimantMac);

        // Another host soliciting *from* our address believes it owns it.
        _port.Inject(buffer[..FrameWriter.WriteNeighborSolicitation(buffer, OtherMac, IPv6Address.From(Vip6), ClientIp6)]);
        claim = await Announcer.Claims.ReadAsync(cts.Token);
        Assert.Equal(ClaimKind.NeighborSolicitation, claim.Kind);
        Assert.Equal(OtherMac, claim.ClaimantMac);
    }

    [Fact]
    public void LinkComingBack_ReannouncesAtOnce()
    {
        Announcer.Assign(Vip, "eth0", 1, TimeSpan.FromMinutes(1));
        _port.Drain();
        Assert.NotNull(_environment.LinkWatcher);

        SetLink(up: false);
        Assert.Empty(_port.Drain());
        SetLink(up: true);
        var burst = Decode(_port.Drain());
        Assert.Equal(2, burst.Count);
        Assert.All(burst, f => Assert.True(f.Arp.IsGratuitous));
        SetLink(up: true); // still up: no new burst
        Assert.Empty(_port.Drain());
    }

    [Fact]
    public void Preflight_ReportsSysctlsAndKubeProxyIpvsWithoutStrictArp()
    {
        _environment.Sysctls["net/ipv4/conf/all/arp_ignore"] = "0";
        _environment.Sysctls["net/ipv4/conf/eth0/arp_ignore"] = "0";
        _environment.Sysctls["net/ipv4/conf/all/arp_announce"] = "0";
        _environment.Sysctls["net/ipv4/conf/eth0/arp_announce"] = "0";
        _environment.Sysctls["net/ipv4/conf/all/rp_filter"] = "0";
        _environment.Sysctls["net/ipv4/conf/eth0/rp_filter"] = "1";
        _environment.Interfaces.Add(new LinkInterface("kube-ipvs0", 9, MacAddress.Zero, false, false, LinkOperationalState.Down, [new InterfaceAddress(Vip, 32)]));

        var report = Announcer.Preflight("eth0");

        Assert.Equal(OurMac, report.Mac);
        Assert.True(report.HasWarnings);
        Assert.Equal(PreflightSeverity.Warning, report.Findings.Single(f => f.Check == "rp_filter").Severity);
        Assert.Equal(PreflightSeverity.Warning, report.Findings.Single(f => f.Check == "kube_ipvs_strict_arp").Severity);
        Assert.Equal("0", report.Findings.Single(f => f.Check == "arp_ignore").Value);
        Assert.Equal(1, _meters.Sum("edgelb.speaker.announcer.preflight_findings", "check", "rp_filter"));
        Assert.Contains(_logger.Entries, l => l.Message.Contains("strictARP", StringComparison.Ordinal));

        // strictARP in effect: arp_ignore=1, arp_announce=2 (either conf/all or the interface).
        _environment.Sysctls["net/ipv4/conf/all/arp_ignore"] = "1";
        _environment.Sysctls["net/ipv4/conf/eth0/arp_announce"] = "2";
        _environment.Sysctls["net/ipv4/conf/eth0/rp_filter"] = "2";
        Assert.False(Announcer.Preflight("eth0").HasWarnings);
    }

    [Fact]
    public async Task Probe_DetectsAnOwnerAndTimesOutWhenFree()
    {
        var owned = IPv4Address.From(IPAddress.Parse("198.18.3.50"));
        _port.OnSend = frame =>
        {
            if (LinkFrame.Parse(frame, out var f) == ParseError.None && f.Kind == LinkFrameKind.Arp && f.Arp.IsProbe && f.Arp.TargetProtocol == owned)
            {
                var reply = new byte[FrameWriter.MaxFrameLength];
                var length = FrameWriter.WriteArp(reply, f.Arp.SenderHardware, OtherMac, new ArpPacket(ArpOperation.Reply, OtherMac, owned, f.Arp.SenderHardware, IPv4Address.Any));
                _port.Inject(reply[..length]);
            }
        };
        using var announcer = new Announcer(_environment, _options, TimeProvider.System, _logger, _meters);

        var inUse = await announcer.ProbeAsync(owned.ToIPAddress(), "eth0");
        Assert.True(inUse.InUse);
        Assert.Equal(OtherMac, inUse.OwnerMac);

        var free = await announcer.ProbeAsync(IPAddress.Parse("198.18.3.51"), "eth0", TimeSpan.FromMilliseconds(200));
        Assert.False(free.InUse);
        Assert.InRange(free.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(2));
        Assert.Equal(2, Decode(_port.Drain()).Count(f => f.Kind == LinkFrameKind.Arp && f.Arp.IsProbe && f.Arp.TargetProtocol == IPv4Address.From(IPAddress.Parse("198.18.3.51"))));
    }

    private void SetLink(bool up)
    {
        _environment.Interfaces.RemoveAll(i => i.Name == "eth0");
        _environment.Interfaces.Add(new LinkInterface("eth0", _port.InterfaceIndex, OurMac, true, up, up ? LinkOperationalState.Up : LinkOperationalState.Down, []));
        _environment.LinkWatcher!(new InterfaceChangedEventArgs(InterfaceChangeKind.LinkChanged, _port.InterfaceIndex));
    }

    private static byte[] ArpRequestFor(IPv4Address target)
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        return buffer[..FrameWriter.WriteArpRequest(buffer, ClientMac, ClientIp, target)];
    }

    private Decoded WaitForSent()
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            if (_port.Sent.TryDequeue(out var frame))
            {
                return Decode([frame])[0];
            }

            Thread.Sleep(5);
        }

        throw new TimeoutException("nothing was sent within 5 s");
    }

    private static List<Decoded> Decode(byte[][] frames) =>
        frames.Select(frame =>
        {
            Assert.Equal(ParseError.None, LinkFrame.Parse(frame, out var f));
            return new Decoded(f.Kind, f.Ethernet.Destination, f.Arp, f.NeighborDiscovery, f.IPv6Source, f.IPv6Destination);
        }).ToList();

    private sealed record Decoded(LinkFrameKind Kind, MacAddress Destination, ArpPacket Arp, NeighborDiscoveryMessage Nd, IPv6Address IPv6Source, IPv6Address IPv6Destination);

    /// <summary>A clock whose time can jump without firing timers, to show validity is checked per frame.</summary>
    private sealed class JumpingTimeProvider(TimeProvider inner) : TimeProvider
    {
        private TimeSpan _offset;

        public void Jump(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + _offset;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
