using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Session;
using EdgeLB.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Kind = EdgeLB.Rpc.Contract.V1.SpeakerMessage.KindOneofCase;

namespace EdgeLB.Speaker.Tests.Session;

public sealed class SpeakerSessionTests
{
    private static readonly IPAddress Vip = IPAddress.Parse("198.18.6.100");
    private static readonly IPAddress Vip2 = IPAddress.Parse("198.18.6.101");
    private static readonly MacAddress PeerMac = MacAddress.Parse("02:00:00:00:06:02");
    private static readonly MacAddress StrangerMac = MacAddress.Parse("02:00:00:00:06:66");
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public SpeakerSessionTests() => TestThreadPool.EnsureWide();

    [Fact]
    public async Task Hello_DescribesTheNode_AndEveryDialReadsTheTokenAgain()
    {
        await using var coordinator = await FakeCoordinator.StartAsync();
        await using var speaker = new SessionHarness(TimeProvider.System, null, coordinator.Log, coordinator.Endpoint);
        speaker.Start();

        var first = await coordinator.AcceptAsync();
        Assert.Equal("Bearer token-one", first.Headers.Get("authorization"));
        var hello = (await first.NextAsync(Kind.Hello)).Hello;
        Assert.Equal("node-a", hello.NodeName);
        Assert.Equal(["198.18.6.11", "2001:db8:6::11"], hello.NodeAddresses);
        var nic = Assert.Single(hello.Interfaces); // lo (no MAC) and edgelb0 (ours) are not offered
        Assert.Equal("eth0", nic.Name);
        Assert.Equal(2, nic.Index);
        Assert.Equal(ByteString.CopyFrom(2, 0, 0, 0, 6, 1), nic.Mac);
        Assert.True(nic.LinkUp);
        Assert.Contains(nic.Addresses, a => a.Address == "198.18.6.11" && a.PrefixLength == 24);
        Assert.True(hello.Capabilities is { Ipv4: true, Ipv6: true, ForwardTcp: true, ForwardUdp: true });
        Assert.Matches("^[0-9a-f]{32}$", hello.InstanceId);
        Assert.False(string.IsNullOrEmpty(hello.Version));

        // The kubelet rotates projected tokens: the next dial must carry the new one.
        await File.WriteAllTextAsync(speaker.TokenFile, "token-two");
        first.End(new RpcException(StatusCode.Unavailable, "restarting"));
        var second = await coordinator.AcceptAsync();
        Assert.Equal("Bearer token-two", second.Headers.Get("authorization"));
        Assert.Equal(hello.InstanceId, (await second.NextAsync(Kind.Hello)).Hello.InstanceId);
    }

    [Fact]
    public async Task Heartbeat_ReportsTheLastAnnouncementOfAnyKind_NotOnlyTheBurst()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, TimeSpan.FromMilliseconds(100), Hour, null);
        await WaitEstablished(rig.Speaker);
        await rig.Session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 5, ("http", Protocol.Tcp, 80, ["198.18.6.11:30080"])) });
        var burst = Assert.Single((await rig.Session.HeartbeatAsync(h => h.Announced.Count == 1)).Announced).LastGarp.ToDateTimeOffset();

        // The announcer's periodic refresh sends frames long after the assignment's burst.
        var refreshed = burst + TimeSpan.FromSeconds(30);
        rig.Speaker.Announcer.Refreshed(Vip, refreshed);
        var reported = await rig.Session.HeartbeatAsync(h => h.Announced.Count == 1 && h.Announced[0].LastGarp.ToDateTimeOffset() != burst);
        Assert.Equal(refreshed, reported.Announced[0].LastGarp.ToDateTimeOffset());
    }

    [Fact]
    public async Task Assignment_ForwardsThenAnnounces_AndIsReportedAtOnce()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await WaitEstablished(speaker);

        var assignment = Assign(Vip, 5, ("http", Protocol.Tcp, 80, ["198.18.6.11:30080", "198.18.6.12:30080"]), ("dns", Protocol.Udp, 53, ["198.18.6.12:30053"]), ("sctp", Protocol.Sctp, 9, ["198.18.6.12:30009"]));
        assignment.SessionAffinity = new SessionAffinity { ClientIp = true, Timeout = Duration.FromTimeSpan(TimeSpan.FromMinutes(3)) };
        await session.SendAsync(new ControllerMessage { Assignment = assignment });

        // The heartbeat interval is an hour: a heartbeat that reports the VIP is the immediate one.
        var heartbeat = await session.HeartbeatAsync(h => h.Announced.Count > 0);
        var announced = Assert.Single(heartbeat.Announced);
        Assert.Equal(("198.18.6.100", 5ul, "eth0"), (announced.Address, announced.Epoch, announced.Interface));
        Assert.NotNull(announced.LastGarp);
        Assert.Equal(("eth0", 5L), (speaker.Announcer.Held(Vip)!.Value.Interface, speaker.Announcer.Held(Vip)!.Value.Epoch));

        var tcp = speaker.Forwarder.Ports[new VipPort(Vip, 80, ForwardProtocol.Tcp)];
        Assert.Equal(["198.18.6.11:30080", "198.18.6.12:30080"], tcp.Backends.Select(b => b.EndPoint.ToString()));
        Assert.Equal(TimeSpan.FromMinutes(3), tcp.Options.SessionAffinityTimeout);
        Assert.Single(speaker.Forwarder.Ports[new VipPort(Vip, 53, ForwardProtocol.Udp)].Backends);
        Assert.Equal(2, speaker.Forwarder.Ports.Count); // SCTP is not forwarded
        Assert.True(speaker.Log.IndexOf("forward tcp/198.18.6.100:80") < speaker.Log.IndexOf("announce 198.18.6.100 epoch 5"), "forwarding is ready before the first gratuitous ARP");
        Assert.True(speaker.Session.IsEstablished);
    }

    [Fact]
    public async Task Epochs_LowerIsIgnored_EqualReplacesPortsWhole_RevokeStopsBoth()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 5, ("a", Protocol.Tcp, 80, ["198.18.6.12:30080"]), ("b", Protocol.Tcp, 443, ["198.18.6.12:30443"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 4, ("old", Protocol.Tcp, 8443, ["198.18.6.13:30000"])) });
        await session.SendAsync(new ControllerMessage { Revoke = new Revoke { Address = "198.18.6.100", Epoch = 4, Reason = "stale" } });
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 5, ("c", Protocol.Tcp, 8080, ["198.18.6.13:30080"])) });
        // New ports are forwarded before old ones are cleared (make before break): wait for both.
        await SessionHarness.WaitUntilAsync(() => speaker.Forwarder.Ports.Keys.Select(p => p.Port).SequenceEqual([8080]), "only port 8080 is forwarded");
        Assert.Equal(5L, speaker.Announcer.Held(Vip)!.Value.Epoch);
        Assert.DoesNotContain("forward tcp/198.18.6.100:8443", speaker.Log.Events);

        await session.SendAsync(new ControllerMessage { Revoke = new Revoke { Address = "198.18.6.100", Epoch = 5, Reason = "moved to node-b" } });
        var after = await session.HeartbeatAsync(h => h.Announced.Count == 0);
        Assert.Empty(after.Announced);
        Assert.False(speaker.Announcer.IsAnnouncing(Vip));
        Assert.Empty(speaker.Forwarder.Ports);
        Assert.True(speaker.Log.IndexOf("silence 198.18.6.100") < speaker.Log.IndexOf("unforward tcp/198.18.6.100:8080"), "silent before it stops forwarding");
    }

    [Fact]
    public async Task Lease_CountsFromWhenTheAnsweredHeartbeatWasSent_AndALapsedLeaseStopsTheVip()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await WaitEstablished(speaker);
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 1, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        var heartbeat = await session.HeartbeatAsync(h => h.Announced.Count == 1);
        var sentAt = time.GetUtcNow();

        // The ack arrives 1.5 s after the heartbeat left: the 3 s lease it grants runs from the sending.
        time.Advance(TimeSpan.FromSeconds(1.5));
        var ack = new HeartbeatAck { Sequence = heartbeat.Sequence, ReceivedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()) };
        ack.Renewed.Add(new LeaseRenewal { Address = "198.18.6.100", Epoch = 1, LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) });
        await session.SendAsync(new ControllerMessage { HeartbeatAck = ack });
        var renewedUntil = sentAt + TimeSpan.FromSeconds(3);
        await SessionHarness.WaitUntilAsync(() => speaker.Table.Find(Vip)?.LeaseUntil == renewedUntil, "the ack renewed the lease from the heartbeat's sending");

        time.Advance(TimeSpan.FromSeconds(1)); // 2.5 s after the assignment: alive only thanks to the renewal
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
        Assert.Contains(speaker.Announcer.Renewals, r => r.Vip.Equals(Vip) && r.LeaseUntil == renewedUntil);

        time.Advance(TimeSpan.FromSeconds(0.51)); // past the renewed lease (counted from the ack's receipt it would still run 1.5 s)
        Assert.False(speaker.Announcer.IsAnnouncing(Vip));
        Assert.Empty(speaker.Forwarder.Ports);
        Assert.Empty((await session.HeartbeatAsync(h => h.Announced.Count == 0)).Announced);
    }

    [Fact]
    public async Task SlowForwarding_AcksReadMeanwhileRenewTheNewVip_SoItIsAnnouncedPastItsFirstLease()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.HeartbeatAsync(); // the one the Configuration asked for: no heartbeat is due until the next change
        speaker.Forwarder.Slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await speaker.Forwarder.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var receivedAt = time.GetUtcNow();

        // An ack for a heartbeat it no longer tracks renews from the ack's reading: 1.5 s + 2 s.
        await RenewWhileApplyingAsync(time, session, epoch: 3);
        speaker.Forwarder.Slow.SetResult();
        await session.HeartbeatAsync(h => h.Announced.Count == 1);
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
        Assert.Equal(receivedAt + TimeSpan.FromSeconds(3.5), speaker.Table.Find(Vip)!.LeaseUntil);
    }

    [Fact]
    public async Task PlannedHandover_InstallsTheHandoverBeforeClaiming_AndAcksReadWhileNftRunsRenewTheNewVip()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), o => o with { ForwardingLinger = TimeSpan.FromSeconds(2) });
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.HeartbeatAsync();
        speaker.Commands.Slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"]));
        assignment.PreviousHolder = "198.18.6.12";
        await session.SendAsync(new ControllerMessage { Assignment = assignment });
        await speaker.Commands.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(speaker.Announcer.IsAnnouncing(Vip)); // no claim before the rule is in place
        var receivedAt = time.GetUtcNow();

        await RenewWhileApplyingAsync(time, session, epoch: 3);
        speaker.Commands.Slow.SetResult();
        await session.HeartbeatAsync(h => h.Announced.Count == 1);
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
        Assert.Equal(receivedAt + TimeSpan.FromSeconds(3.5), speaker.Table.Find(Vip)!.LeaseUntil);
        Assert.Contains(speaker.Commands.Scripts, s => s.Contains("ip daddr 198.18.6.100 tcp dport { 80 }", StringComparison.Ordinal) && s.Contains("dup to 198.18.6.12 device \"eth0\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SlowForwarding_ANewerAssignmentQueuedBehind_KeepsTheRenewalsReadMeanwhile()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.HeartbeatAsync();
        speaker.Forwarder.Slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await speaker.Forwarder.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 4, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        var receivedAt = time.GetUtcNow();

        await RenewWhileApplyingAsync(time, session, epoch: 4);
        speaker.Forwarder.Slow.SetResult();
        await session.HeartbeatAsync(h => h.Announced.Any(a => a.Epoch == 4));
        Assert.Equal(receivedAt + TimeSpan.FromSeconds(3.5), speaker.Table.Find(Vip)!.LeaseUntil); // epoch 3's apply left epoch 4's renewal alone
    }

    [Fact]
    public async Task SlowForwarding_WithoutRenewal_TheLeaseEndsBeforeTheVipIsEverAnnounced()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var speaker = rig.Speaker;
        await WaitEstablished(speaker);
        speaker.Forwarder.Slow = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await rig.Session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await speaker.Forwarder.Waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(2.5)); // the controller renewed nothing: it may have moved the VIP on
        speaker.Forwarder.Slow.SetResult();
        await SessionHarness.WaitUntilAsync(() => speaker.Log.Events.Contains("unforward tcp/198.18.6.100:80"), "the forwarding it set up is removed again");
        Assert.Null(speaker.Table.Find(Vip));
        Assert.DoesNotContain(speaker.Log.Events, e => e.StartsWith("announce 198.18.6.100", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUpdateOfTheHeldEpoch_NeverShortensItsLease()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 4, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);
        var ack = new HeartbeatAck { Sequence = 999 };
        ack.Renewed.Add(new LeaseRenewal { Address = "198.18.6.100", Epoch = 4, LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)) });
        await session.SendAsync(new ControllerMessage { HeartbeatAck = ack });
        var renewed = time.GetUtcNow() + TimeSpan.FromSeconds(10);
        await SessionHarness.WaitUntilAsync(() => speaker.Table.Find(Vip)?.LeaseUntil == renewed, "the ack renewed the lease");

        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 4, ("http", Protocol.Tcp, 80, ["198.18.6.13:30080"])) });
        await SessionHarness.WaitUntilAsync(() => speaker.Log.Events.Count(e => e == "announce 198.18.6.100 epoch 4") == 2, "the update is applied (announced again)");
        Assert.Equal("198.18.6.13:30080", speaker.Forwarder.Ports.Values.Single().Backends.Single().EndPoint.ToString());
        Assert.Equal(renewed, speaker.Table.Find(Vip)!.LeaseUntil); // not the update's own 2 s
    }

    [Fact]
    public async Task Renewal_ForAnotherEpoch_DoesNotExtendTheLease()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 7) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);
        var until = speaker.Table.Find(Vip)!.LeaseUntil;

        time.Advance(TimeSpan.FromSeconds(1));
        var ack = new HeartbeatAck { Sequence = 1 };
        ack.Renewed.Add(new LeaseRenewal { Address = "198.18.6.100", Epoch = 6, LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) });
        await session.SendAsync(new ControllerMessage { HeartbeatAck = ack });
        await session.SendAsync(new ControllerMessage { Configuration = new Configuration { LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) } });
        await session.HeartbeatAsync(); // the Configuration after the ack was handled, so the ack was too

        Assert.Equal(until, speaker.Table.Find(Vip)!.LeaseUntil);
    }

    [Fact]
    public async Task Claims_WhileConnected_UnknownMacIsDefendedAndReported_KnownPeerIsReportedNotObeyed()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, null, Peer("node-b", PeerMac), Peer("node-a", SessionHarness.Eth0Mac));
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        // Heartbeats are an hour apart here: the report leaves at once, by itself.
        Assert.Equal(ClaimVerdict.Defend, speaker.Announcer.Claim(Vip, StrangerMac));
        var reported = await session.HeartbeatAsync(h => h.ForeignClaims.Count > 0);
        var conflict = Assert.Single(reported.ForeignClaims);
        Assert.Equal(("198.18.6.100", false, "eth0"), (conflict.Address, conflict.KnownPeer, conflict.Interface));
        Assert.Equal(ByteString.CopyFrom(2, 0, 0, 0, 6, 0x66), conflict.Mac);
        Assert.Single(reported.Announced);
        Assert.Equal([(Vip, 3L)], speaker.Announcer.Defences);

        // A known peer's MAC, long after our Assignment: still only evidence while the session is open.
        Assert.Equal(ClaimVerdict.Ignore, speaker.Announcer.Claim(Vip, PeerMac));
        var afterPeer = await session.HeartbeatAsync(h => h.ForeignClaims.Count > 0);
        Assert.True(Assert.Single(afterPeer.ForeignClaims).KnownPeer);
        Assert.Single(afterPeer.Announced);
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
        Assert.NotNull(speaker.Table.Find(Vip));
    }

    [Fact]
    public async Task Defend_FromTheController_ReannouncesTheHeldEpochOnly()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, null, Peer("node-b", PeerMac));
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        await session.SendAsync(new ControllerMessage { Defend = new Defend { Address = Vip.ToString(), Epoch = 2, Reason = "stale epoch" } });
        await session.SendAsync(new ControllerMessage { Defend = new Defend { Address = Vip2.ToString(), Epoch = 3, Reason = "not held" } });
        await session.SendAsync(new ControllerMessage { Defend = new Defend { Address = Vip.ToString(), Epoch = 3, Reason = "node-b was not given it" } });
        await SessionHarness.WaitUntilAsync(() => speaker.Announcer.Defences.Count > 0, "the Defend was applied");
        Assert.Equal([(Vip, 3L)], speaker.Announcer.Defences);
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
    }

    [Fact]
    public async Task Revoke_SilencesAtOnce_ForwardingLingers_AndAReassignmentKeepsIt()
    {
        var linger = TimeSpan.FromSeconds(1);
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, o => o with { ForwardingLinger = linger });
        var speaker = rig.Speaker;
        var session = rig.Session;
        var port = new VipPort(Vip, 80, ForwardProtocol.Tcp);
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        await session.SendAsync(new ControllerMessage { Revoke = new Revoke { Address = Vip.ToString(), Epoch = 3, Reason = "moved" } });
        await session.HeartbeatAsync(h => h.Announced.Count == 0);
        Assert.False(speaker.Announcer.IsAnnouncing(Vip));
        Assert.True(speaker.Forwarder.Ports.ContainsKey(port), "forwarding stopped with the announcing");

        // Back here within the linger: the port forwards on, and its old linger does not end it.
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 5, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);
        await Task.Delay(linger + TimeSpan.FromMilliseconds(300));
        Assert.True(speaker.Forwarder.Ports.ContainsKey(port), "a reassigned port stopped at its old linger");

        await session.SendAsync(new ControllerMessage { Revoke = new Revoke { Address = Vip.ToString(), Epoch = 5, Reason = "moved" } });
        await session.HeartbeatAsync(h => h.Announced.Count == 0);
        await SessionHarness.WaitUntilAsync(() => speaker.Forwarder.Ports.IsEmpty, "forwarding stopped after the linger");
    }

    [Fact]
    public async Task Standby_ForwardsWithoutAnnouncing_TheAssignmentTakesTheReadyPortOver_AndAnEndLingers()
    {
        var linger = TimeSpan.FromSeconds(1);
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, o => o with { ForwardingLinger = linger });
        var speaker = rig.Speaker;
        var session = rig.Session;
        var port = new VipPort(Vip, 80, ForwardProtocol.Tcp);
        var next = Assign(Vip, 0, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"]));
        next.Interface = string.Empty;
        await session.SendAsync(new ControllerMessage { Standby = new Standby { Next = next } });
        await SessionHarness.WaitUntilAsync(() => speaker.Forwarder.Ports.ContainsKey(port), "the standby's port forwards");
        Assert.False(speaker.Announcer.IsAnnouncing(Vip));
        Assert.Equal(1, speaker.Table.Standing()[Vip]);
        Assert.Null(speaker.Table.Find(Vip));

        // The takeover: the port forwards throughout, with the Assignment's backends.
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 7, ("http", Protocol.Tcp, 80, ["198.18.6.11:30080", "198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);
        Assert.Empty(speaker.Table.Standing());
        Assert.Equal(2, speaker.Forwarder.Ports[port].Backends.Count);
        Assert.DoesNotContain("unforward tcp/198.18.6.100:80", speaker.Log.Events);

        // A Standby for a VIP held here changes nothing.
        await session.SendAsync(new ControllerMessage { Standby = new Standby { Next = Assign(Vip, 0, ("other", Protocol.Tcp, 8080, ["198.18.6.12:30081"])) } });

        // Standing by for a second VIP, then not any more: its port lingers, then stops.
        var port2 = new VipPort(Vip2, 443, ForwardProtocol.Tcp);
        await session.SendAsync(new ControllerMessage { Standby = new Standby { Next = Assign(Vip2, 0, ("https", Protocol.Tcp, 443, ["198.18.6.12:30443"])) } });
        await SessionHarness.WaitUntilAsync(() => speaker.Forwarder.Ports.ContainsKey(port2), "the second standby's port forwards");
        Assert.False(speaker.Forwarder.Ports.ContainsKey(new VipPort(Vip, 8080, ForwardProtocol.Tcp)), "a Standby changed a held VIP's ports");
        await session.SendAsync(new ControllerMessage { StandbyEnd = new StandbyEnd { Address = Vip2.ToString(), Reason = "node-c stands by instead" } });
        await SessionHarness.WaitUntilAsync(() => !speaker.Table.Standing().ContainsKey(Vip2), "the standby ended");
        Assert.True(speaker.Forwarder.Ports.ContainsKey(port2), "the port stopped before its linger");
        await SessionHarness.WaitUntilAsync(() => !speaker.Forwarder.Ports.ContainsKey(port2), "the port stops after the linger");
        Assert.False(speaker.Announcer.IsAnnouncing(Vip2));
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
    }

    [Fact]
    public async Task Orphaned_HoldsVipsPastTheirLease_StepsDownOnlyForAKnownPeer_AndEndsAtTheLimit()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), o => o with { OrphanLimit = TimeSpan.FromSeconds(60) }, Peer("node-b", PeerMac));
        var coordinator = rig.Coordinator;
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip2, 4, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 2);

        // The controller closes the stream and from then on answers but refuses this speaker (its
        // token is no longer accepted): only then does the orphan limit run out.
        coordinator.Refuse = StatusCode.PermissionDenied;
        session.End();
        await SessionHarness.WaitUntilAsync(() => speaker.Session.Phase == SessionPhase.Orphaned, "the speaker is orphaned");
        var orphanedAt = time.GetUtcNow();
        Assert.Contains(speaker.Announcer.Renewals, r => r.Vip.Equals(Vip) && r.LeaseUntil == orphanedAt + TimeSpan.FromSeconds(60));

        time.Advance(TimeSpan.FromSeconds(30)); // far past the 2 s lease
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
        Assert.True(speaker.Announcer.IsAnnouncing(Vip2));

        Assert.Equal(ClaimVerdict.Defend, speaker.Announcer.Claim(Vip, StrangerMac));
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));

        // Nobody to ask while orphaned, and the controller gives an orphan's VIPs away only after its
        // session ended: a known peer's claim is the new holder's first gratuitous ARP.
        Assert.Equal(ClaimVerdict.StepDown, speaker.Announcer.Claim(Vip, PeerMac));
        Assert.False(speaker.Announcer.IsAnnouncing(Vip));
        await SessionHarness.WaitUntilAsync(() => speaker.Table.Find(Vip) is null, "the stepped-down VIP is released");
        Assert.True(speaker.Announcer.IsAnnouncing(Vip2));

        time.Advance(TimeSpan.FromSeconds(29.9));
        Assert.True(speaker.Announcer.IsAnnouncing(Vip2));
        time.Advance(TimeSpan.FromSeconds(0.2)); // the orphan limit
        await SessionHarness.WaitUntilAsync(() => !speaker.Announcer.IsAnnouncing(Vip2), "the orphan limit ended the holding");
        Assert.Empty(speaker.Forwarder.Ports);
        Assert.Equal(SessionPhase.Connecting, speaker.Session.Phase);
    }

    [Fact]
    public async Task Orphaned_WhileNoControllerAnswers_HoldsPastTheLimit_UntilANewLeaderTakesOver()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), o => o with { OrphanLimit = TimeSpan.FromSeconds(60) });
        var coordinator = rig.Coordinator;
        var speaker = rig.Speaker;
        await rig.Session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await rig.Session.HeartbeatAsync(h => h.Announced.Count == 1);

        // The whole control plane is down: every dial is refused with no leader named.
        coordinator.Refuse = StatusCode.Unavailable;
        rig.Session.End();
        await SessionHarness.WaitUntilAsync(() => speaker.Session.Phase == SessionPhase.Orphaned, "the speaker is orphaned");
        var orphanedAt = time.GetUtcNow();
        while (time.GetUtcNow() - orphanedAt < TimeSpan.FromMinutes(5))
        {
            // Five minutes, five times the limit, in small steps until each next dial (which found no leader).
            var attempts = Volatile.Read(ref coordinator.Attempts);
            await SessionHarness.WaitUntilAsync(
                () =>
                {
                    time.Advance(TimeSpan.FromMilliseconds(100));
                    return Volatile.Read(ref coordinator.Attempts) > attempts;
                },
                "the speaker dials again");
            Assert.True(speaker.Announcer.IsAnnouncing(Vip), $"the VIP went silent {(time.GetUtcNow() - orphanedAt).TotalSeconds:F1} s into the outage");
        }

        Assert.Equal(SessionPhase.Orphaned, speaker.Session.Phase);
        Assert.NotEmpty(speaker.Forwarder.Ports);

        // The control plane returns: the new leader learns the holding with its epoch and keeps it.
        coordinator.Refuse = null;
        var accepting = coordinator.AcceptAsync();
        for (var i = 0; i < 30 && !accepting.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(accepting, Task.Delay(50));
        }

        var next = await accepting;
        await next.ConfigureAsync(Hour, TimeSpan.FromSeconds(2));
        var report = await next.HeartbeatAsync(h => h.Announced.Count == 1);
        Assert.Equal(3ul, report.Announced[0].Epoch);
        Assert.Equal(SessionPhase.Established, speaker.Session.Phase);
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
    }

    [Fact]
    public async Task Orphaned_WhenTheLeaderStepsDownAndEndsTheSessionNamingALeader()
    {
        // A stopping or deposed leader ends open sessions with UNAVAILABLE and the edgelb-leader
        // trailer (often still naming itself): that is the controller going away, not a redirect of a dial.
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), o => o with { OrphanLimit = TimeSpan.FromSeconds(60) });
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3, ("http", Protocol.Tcp, 80, ["198.18.6.12:30080"])) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        rig.Coordinator.Refuse = StatusCode.Unavailable;
        var trailers = new Metadata { { SpeakerSession.LeaderTrailer, rig.Coordinator.Endpoint.ToString() } };
        session.End(new RpcException(new RpcStatus(StatusCode.Unavailable, "not the leader"), trailers));
        await SessionHarness.WaitUntilAsync(() => speaker.Session.Phase == SessionPhase.Orphaned, "the speaker is orphaned");
        var orphanedAt = time.GetUtcNow();
        Assert.Contains(speaker.Announcer.Renewals, r => r.Vip.Equals(Vip) && r.LeaseUntil == orphanedAt + TimeSpan.FromSeconds(60));
        time.Advance(TimeSpan.FromSeconds(30)); // far past the 2 s lease
        Assert.True(speaker.Announcer.IsAnnouncing(Vip));
    }

    [Fact]
    public async Task Orphaned_ANewControllerTakesOver_HeldVipsFallBackUnderItsLease()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, Hour, TimeSpan.FromSeconds(2), null);
        var coordinator = rig.Coordinator;
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        session.End();
        await SessionHarness.WaitUntilAsync(() => speaker.Session.Phase == SessionPhase.Orphaned, "the speaker is orphaned");
        var accepting = coordinator.AcceptAsync();
        for (var i = 0; i < 30 && !accepting.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1)); // the reconnect pause passes; the VIP is still held
            await Task.WhenAny(accepting, Task.Delay(50));
        }

        var next = await accepting;
        await next.ConfigureAsync(Hour, TimeSpan.FromSeconds(2));
        var report = await next.HeartbeatAsync(h => h.Announced.Count == 1); // the new leader learns what is held
        Assert.Equal(3ul, report.Announced[0].Epoch);
        Assert.Equal(SessionPhase.Established, speaker.Session.Phase);

        time.Advance(TimeSpan.FromSeconds(2.1)); // it did not renew: one of its leases, not the orphan limit
        await SessionHarness.WaitUntilAsync(() => !speaker.Announcer.IsAnnouncing(Vip), "the unrenewed VIP lapsed");
    }

    [Fact]
    public async Task Drain_AsksToMove_KeepsAnnouncingUntilRevoked_ThenSilenceBeforeClosing()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, null);
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3) });
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip2, 4) });
        await session.HeartbeatAsync(h => h.Announced.Count == 2);

        var run = speaker.Stop();
        var drain = (await session.NextAsync(Kind.DrainRequest)).DrainRequest;
        Assert.Equal(TimeSpan.FromSeconds(5), drain.Deadline.ToTimeSpan());
        Assert.False(string.IsNullOrEmpty(drain.Reason));
        Assert.True(speaker.Announcer.IsAnnouncing(Vip), "still announcing while the controller moves the VIPs");
        Assert.Equal(SessionPhase.Draining, speaker.Session.Phase);

        await session.SendAsync(new ControllerMessage { Revoke = new Revoke { Address = "198.18.6.100", Epoch = 3, Reason = "drain" } });
        await session.SendAsync(new ControllerMessage { DrainComplete = new DrainComplete { Stranded = { "198.18.6.101" } } });
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        await session.SpeakerClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var closed = speaker.Log.IndexOf("speaker closed the session");
        Assert.True(closed >= 0, string.Join(" | ", speaker.Log.Events));
        Assert.InRange(speaker.Log.IndexOf("silence 198.18.6.101"), 0, closed - 1);
        Assert.False(speaker.Announcer.IsAnnouncing(Vip2));
        Assert.Empty(speaker.Forwarder.Ports);
        Assert.Equal(SessionPhase.Stopped, speaker.Session.Phase);
    }

    [Fact]
    public async Task Drain_WithoutAnswer_StopsAtTheDeadline()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, o => o with { DrainTimeout = TimeSpan.FromMilliseconds(300) });
        var speaker = rig.Speaker;
        var session = rig.Session;
        await session.SendAsync(new ControllerMessage { Assignment = Assign(Vip, 3) });
        await session.HeartbeatAsync(h => h.Announced.Count == 1);

        var run = speaker.Stop();
        await session.NextAsync(Kind.DrainRequest);
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(speaker.Announcer.IsAnnouncing(Vip));
    }

    [Fact]
    public async Task Follower_NamesTheLeader_AndTheSpeakerDialsIt()
    {
        await using var leader = await FakeCoordinator.StartAsync();
        await using var follower = await FakeCoordinator.StartAsync();
        follower.FollowerOf = leader.Endpoint.ToString();
        await using var speaker = new SessionHarness(TimeProvider.System, o => o with { ReconnectMinDelay = TimeSpan.FromSeconds(30), ReconnectMaxDelay = TimeSpan.FromSeconds(30) }, null, follower.Endpoint);
        speaker.Start();

        // The pause between failed dials is 30 s here, so reaching the leader in time proves the redirect skipped it.
        var session = await leader.AcceptAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("node-a", (await session.NextAsync(Kind.Hello)).Hello.NodeName);
        Assert.Equal(1, follower.Attempts);
        await session.ConfigureAsync(Hour, Hour);
        await WaitEstablished(speaker);
        Assert.Equal(leader.Endpoint, speaker.Session.Controller);
    }

    [Fact]
    public async Task Readiness_FollowsTheLeadersSession()
    {
        await using var rig = await Rig.StartAsync(TimeProvider.System, Hour, Hour, null);
        await WaitEstablished(rig.Speaker);
        Assert.Equal(rig.Coordinator.Endpoint, rig.Speaker.Session.Controller);

        rig.Coordinator.Refuse = StatusCode.Unavailable;
        rig.Session.End();
        await SessionHarness.WaitUntilAsync(() => !rig.Speaker.Session.IsEstablished, "readiness is withdrawn");
        Assert.Equal(SessionPhase.Connecting, rig.Speaker.Session.Phase); // nothing held, so not orphaned
        Assert.Null(rig.Speaker.Session.Controller);
    }

    [Fact]
    public async Task DeadAddress_IsSkipped_ForTheNextController()
    {
        await using var coordinator = await FakeCoordinator.StartAsync();
        var dead = new ControllerEndpoint("127.0.0.1", ClosedPort());
        await using var speaker = new SessionHarness(TimeProvider.System, null, coordinator.Log, dead, coordinator.Endpoint);
        speaker.Start();

        var session = await coordinator.AcceptAsync(TimeSpan.FromSeconds(5));
        await session.ConfigureAsync(Hour, Hour);
        await WaitEstablished(speaker);
        Assert.Equal(coordinator.Endpoint, speaker.Session.Controller);
    }

    [Fact]
    public async Task SilentAddress_IsAbandonedAfterTheConnectTimeout_AndDiallingGoesOn()
    {
        // Accepts TCP (the kernel completes the handshake from the backlog) but never speaks HTTP/2:
        // a dial must not wait on it for ever, however far the TCP connect got.
        using var silent = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        silent.Listen(16);
        var silentEndpoint = new ControllerEndpoint("127.0.0.1", ((IPEndPoint)silent.LocalEndPoint!).Port);
        await using var coordinator = await FakeCoordinator.StartAsync();
        await using var speaker = new SessionHarness(
            TimeProvider.System, o => o with { ConnectTimeout = TimeSpan.FromMilliseconds(300) }, coordinator.Log, silentEndpoint, coordinator.Endpoint);
        var started = System.Diagnostics.Stopwatch.StartNew();
        speaker.Start();

        var session = await coordinator.AcceptAsync(TimeSpan.FromSeconds(10));
        await session.ConfigureAsync(Hour, Hour);
        await WaitEstablished(speaker);
        Assert.Equal(coordinator.Endpoint, speaker.Session.Controller);
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(300), $"established after {started.Elapsed}: the silent address was not tried first");
    }

    [Fact]
    public async Task Unauthenticated_IsRetried_WithTheNextToken()
    {
        await using var coordinator = await FakeCoordinator.StartAsync();
        coordinator.Refuse = StatusCode.Unauthenticated;
        await using var speaker = new SessionHarness(TimeProvider.System, null, coordinator.Log, coordinator.Endpoint);
        speaker.Start();
        await SessionHarness.WaitUntilAsync(() => coordinator.Attempts >= 2, "the refused speaker dialled again");
        Assert.False(speaker.Session.IsEstablished);

        coordinator.Refuse = null;
        await File.WriteAllTextAsync(speaker.TokenFile, "token-fixed");
        var session = await coordinator.AcceptAsync();
        Assert.Equal("Bearer token-fixed", session.Headers.Get("authorization"));
    }

    /// <summary>A fake coordinator and a speaker whose session it has configured.</summary>
    private sealed class Rig(FakeCoordinator coordinator, SessionHarness speaker, FakeSession session) : IAsyncDisposable
    {
        public FakeCoordinator Coordinator { get; } = coordinator;

        public SessionHarness Speaker { get; } = speaker;

        public FakeSession Session { get; } = session;

        public static async Task<Rig> StartAsync(TimeProvider time, TimeSpan heartbeat, TimeSpan lease, Func<SessionOptions, SessionOptions>? adjust, params PeerSpeaker[] peers)
        {
            var coordinator = await FakeCoordinator.StartAsync();
            var speaker = new SessionHarness(time, adjust, coordinator.Log, coordinator.Endpoint);
            speaker.Start();
            var session = await coordinator.AcceptAsync();
            await session.ConfigureAsync(heartbeat, lease, peers);
            return new Rig(coordinator, speaker, session);
        }

        public async ValueTask DisposeAsync()
        {
            await Speaker.DisposeAsync();
            await Coordinator.DisposeAsync();
        }
    }

    /// <summary>
    /// While an Assignment waits to be applied: 1.5 s on, an ack renews it for 2 s from its reading,
    /// a Configuration proves the ack was read, then the clock passes the lease counted from the
    /// Assignment's receipt (at 2.5 s).
    /// </summary>
    private static async Task RenewWhileApplyingAsync(ManualTimeProvider time, FakeSession session, ulong epoch)
    {
        time.Advance(TimeSpan.FromSeconds(1.5));
        var ack = new HeartbeatAck { Sequence = 999 }; // a heartbeat it no longer tracks: renews from the ack's reading
        ack.Renewed.Add(new LeaseRenewal { Address = "198.18.6.100", Epoch = epoch, LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) });
        await session.SendAsync(new ControllerMessage { HeartbeatAck = ack });
        await session.SendAsync(new ControllerMessage { Configuration = new Configuration { LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) } });
        var readAt = time.GetUtcNow();
        await session.HeartbeatAsync(h => h.SentAt.ToDateTimeOffset() >= readAt);
        time.Advance(TimeSpan.FromSeconds(1));
    }

    private static int ClosedPort()
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port; // bound, never listening, then closed: connects are refused
    }

    private static Task WaitEstablished(SessionHarness speaker) =>
        SessionHarness.WaitUntilAsync(() => speaker.Session.IsEstablished, "the session is established");

    private static PeerSpeaker Peer(string node, MacAddress mac) => new() { Node = node, Macs = { NodeInventory.MacBytes(mac) } };

    private static Assignment Assign(IPAddress vip, ulong epoch, params (string Name, Protocol Protocol, uint Port, string[] Backends)[] ports)
    {
        var assignment = new Assignment { Address = vip.ToString(), Family = AddressFamily.Ipv4, Interface = "eth0", Epoch = epoch, Services = { "shop/web" } };
        foreach (var (name, protocol, port, backends) in ports)
        {
            var servicePort = new ServicePort { Name = name, Protocol = protocol, Port = port, NodePort = 30000 };
            foreach (var backend in backends)
            {
                var endpoint = IPEndPoint.Parse(backend);
                servicePort.Backends.Add(new Rpc.Contract.V1.Backend { Node = "node", Address = endpoint.Address.ToString(), Port = (uint)endpoint.Port });
            }

            assignment.Ports.Add(servicePort);
        }

        return assignment;
    }
}
