using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Leases, failover, drain and relearn on a manual clock, with no I/O.</summary>
public sealed class CoordinatorTests
{
    private const string Vip = "198.18.0.100";

    internal static async Task<(CoordinatorHarness H, SpeakerSession A, SpeakerSession B)> TwoNodesAsync(Action<ControllerOptions>? configure = null)
    {
        var h = new CoordinatorHarness(configure);
        h.AddNode("node-1", 1);
        h.AddNode("node-2", 2);
        h.AddService("web", Vip);
        h.Coordinator.StartLeading(term: 1);
        var a = h.Open("node-1", 1);
        var b = h.Open("node-2", 2);
        h.Beat(a);
        h.Beat(b);
        await h.SettleAsync(a, b);
        return (h, a, b);
    }

    [Fact]
    public async Task SilentHolder_KeepsItsVipUntilTheLeaseFromTheLastAckEnds_ThenItMovesWithAHigherEpoch()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (holderNode, _, epoch) = h.HolderOf(Vip);
        Assert.NotNull(holderNode);
        var (holder, other) = holderNode == "node-1" ? (a, b) : (b, a);
        h.Beat(holder);
        var lastAck = h.Time.GetUtcNow();

        // The holder goes silent; the other keeps beating. One tick short of the lease: no move.
        h.Run(h.Options.SpeakerLease - h.Options.HeartbeatInterval, other);
        while (h.Time.GetUtcNow() < lastAck + h.Options.SpeakerLease - TimeSpan.FromMilliseconds(1))
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        h.Coordinator.Tick();
        Assert.Equal(holder.Node, h.HolderOf(Vip).Node);
        Assert.DoesNotContain(h.Received[other.Node], m => m.Assignment is not null);

        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        h.Coordinator.Tick();
        h.Deliver(other);

        var moved = h.HolderOf(Vip);
        Assert.Equal(other.Node, moved.Node);
        Assert.True(moved.Epoch > epoch);
        Assert.Equal(moved.Epoch, h.Holding[other.Node][Vip]);
        Assert.Empty(h.Received[other.Node].Last(m => m.Assignment is not null).Assignment.PreviousHolder); // a dead holder serves nothing
    }

    [Fact]
    public async Task ControllerStall_DoesNotCountAgainstTheSpeakers_ButASilentHolderStillMovesAfterwards()
    {
        using var h = new CoordinatorHarness(manualTicks: true);
        h.AddNode("node-1", 1);
        h.AddNode("node-2", 2);
        h.AddService("web", Vip);
        h.Coordinator.StartLeading(term: 1);
        var a = h.Open("node-1", 1);
        var b = h.Open("node-2", 2);
        h.Beat(a);
        h.Beat(b);
        await h.SettleAsync(a, b);
        var before = h.HolderOf(Vip);
        var (holder, other) = before.Node == "node-1" ? (a, b) : (b, a);
        var period = SessionTimings.CheckPeriod(h.Options.SpeakerLease);

        // The controller does not run for a second; when it resumes its check runs before the
        // heartbeats that waited in the sockets are read.
        h.Time.Advance(TimeSpan.FromSeconds(1));
        h.Coordinator.Tick();
        h.Beat(holder);
        h.Beat(other);
        h.Coordinator.Tick();
        Assert.Equal(before, h.HolderOf(Vip));
        Assert.DoesNotContain(h.Received[holder.Node], m => m.Revoke is not null);

        // Running normally again, a holder that stays silent for a lease loses its VIP.
        for (var t = TimeSpan.Zero; t <= h.Options.SpeakerLease; t += period)
        {
            h.Time.Advance(period);
            h.Beat(other);
            h.Coordinator.Tick();
        }

        Assert.Equal(other.Node, h.HolderOf(Vip).Node);
    }

    [Fact]
    public async Task SpeakerIsToldALeaseShorterThanTheControllersByTheMargin()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var holder = h.HolderOf(Vip).Node == "node-1" ? a : b;
        var assignment = h.Received[holder.Node].Select(m => m.Assignment).Single(x => x is not null)!;
        h.Beat(holder);
        var renewal = h.Received[holder.Node].Last(m => m.HeartbeatAck is not null).HeartbeatAck.Renewed.Single();

        Assert.Equal(TimeSpan.FromMilliseconds(160), assignment.LeaseDuration.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMilliseconds(160), renewal.LeaseDuration.ToTimeSpan());
        Assert.Equal(assignment.Epoch, renewal.Epoch);
    }

    [Fact]
    public async Task HolderThatKeepsBeating_NeverLosesItsVip()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var before = h.HolderOf(Vip);

        h.Run(TimeSpan.FromSeconds(2), a, b);

        Assert.Equal(before, h.HolderOf(Vip));
    }

    [Fact]
    public async Task ClosedSession_MovesItsVipWithoutWaitingForTheLease()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (node, _, epoch) = h.HolderOf(Vip);
        var (holder, other) = node == "node-1" ? (a, b) : (b, a);

        h.Coordinator.Closed(holder, "reset");
        h.Deliver(other);

        var moved = h.HolderOf(Vip);
        Assert.Equal(other.Node, moved.Node);
        Assert.True(moved.Epoch > epoch);
        Assert.Equal(moved.Epoch, h.Holding[other.Node][Vip]);
        Assert.Empty(h.Received[other.Node].Last(m => m.Assignment is not null).Assignment.PreviousHolder); // a dead holder serves nothing
    }

    [Fact]
    public async Task Drain_IsMakeBeforeBreak_AndConfirmed()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (node, _, epoch) = h.HolderOf(Vip);
        var (holder, other) = node == "node-1" ? (a, b) : (b, a);

        h.Coordinator.Drain(holder, new DrainRequest { Reason = "SIGTERM" });
        h.Deliver(holder);
        h.Deliver(other);

        // The new holder is assigned; the old one keeps the VIP until the new one reports it.
        Assert.True(h.Holding[other.Node][Vip] > epoch);
        var assignment = h.Received[other.Node].Last(m => m.Assignment is not null).Assignment;
        Assert.Equal(holder.Node == "node-1" ? "198.18.0.1" : "198.18.0.2", assignment.PreviousHolder); // it passes the old holder's connections back
        Assert.True(h.Holding[holder.Node].ContainsKey(Vip));
        Assert.DoesNotContain(h.Received[holder.Node], m => m.Revoke is not null || m.DrainComplete is not null);

        h.Beat(other);
        h.Deliver(holder);

        Assert.False(h.Holding[holder.Node].ContainsKey(Vip));
        var complete = h.Received[holder.Node].Single(m => m.DrainComplete is not null).DrainComplete;
        Assert.Empty(complete.Stranded);
        var revokeAt = h.Received[holder.Node].FindIndex(m => m.Revoke is not null);
        Assert.True(revokeAt < h.Received[holder.Node].FindIndex(m => m.DrainComplete is not null));
    }

    [Fact]
    public async Task Drain_WithNowhereToGo_KeepsTheVipAndReportsItStranded()
    {
        using var h = new CoordinatorHarness();
        h.AddNode("node-1", 1);
        h.AddService("web", Vip);
        h.Coordinator.StartLeading(1);
        var a = h.Open("node-1", 1);
        h.Beat(a);
        await h.SettleAsync(a);
        Assert.True(h.Holding["node-1"].ContainsKey(Vip));

        h.Coordinator.Drain(a, new DrainRequest { Reason = "SIGTERM" });
        await h.SettleAsync(a);

        Assert.True(h.Holding["node-1"].ContainsKey(Vip));
        Assert.Equal([Vip], h.Received["node-1"].Single(m => m.DrainComplete is not null).DrainComplete.Stranded);
    }

    [Fact]
    public async Task NewLeader_AdoptsWhatSpeakersAnnounce_AndMovesNothing()
    {
        using var h = new CoordinatorHarness();
        h.AddNode("node-1", 1);
        h.AddNode("node-2", 2);
        h.AddNode("node-3", 3);
        h.AddService("web", Vip, announcing: "node-3,eth0,1000007");
        h.Coordinator.StartLeading(term: 2);
        Assert.True(h.Coordinator.IsRelearning);

        var a = h.Open("node-1", 1);
        var b = h.Open("node-2", 2);
        h.Beat(a);
        h.Beat(b);
        await h.SettleAsync(a, b);

        // node-3 (the annotated holder) has not reported yet: nothing is handed out.
        Assert.True(h.Coordinator.IsRelearning);
        Assert.Empty(h.Holding["node-1"]);
        Assert.Empty(h.Holding["node-2"]);

        var c = h.Open("node-3", 3);
        h.Holding["node-3"][Vip] = 1000007;
        h.Beat(c);
        await h.SettleAsync(a, b, c);

        Assert.False(h.Coordinator.IsRelearning);
        Assert.Equal(("node-3", "eth0", 1000007UL), h.HolderOf(Vip));

        // The holder gets its ports and backends refreshed at the same epoch; nobody else gets anything.
        Assert.All(h.Received["node-1"].Concat(h.Received["node-2"]), m => Assert.Null(m.Assignment));
        Assert.All(h.Received["node-3"].Where(m => m.Assignment is not null), m => Assert.Equal(1000007UL, m.Assignment.Epoch));
        Assert.DoesNotContain(h.Received["node-3"], m => m.Revoke is not null);
        Assert.Contains(h.Received["node-3"], m => m.HeartbeatAck?.Renewed.Any(r => r.Address == Vip && r.Epoch == 1000007) == true);

        // Epochs of this term start above the term floor, whatever the annotation said.
        h.Coordinator.Closed(c, "reset");
        Assert.True(h.HolderOf(Vip).Epoch > 2 * Coordinator.EpochsPerTerm);
    }

    [Fact]
    public async Task NewLeader_StopsWaitingAfterTheRelearnTimeout()
    {
        using var h = new CoordinatorHarness(o => o.RelearnTimeout = TimeSpan.FromSeconds(1));
        h.AddNode("node-1", 1);
        h.AddNode("node-3", 3);
        h.AddService("web", Vip, announcing: "node-3,eth0,5");
        h.Coordinator.StartLeading(term: 2);
        var a = h.Open("node-1", 1);
        h.Beat(a);
        h.Run(TimeSpan.FromMilliseconds(900), a);
        Assert.True(h.Coordinator.IsRelearning);

        h.Run(TimeSpan.FromMilliseconds(150), a);
        await h.SettleAsync(a);

        Assert.False(h.Coordinator.IsRelearning);
        Assert.Equal("node-1", h.HolderOf(Vip).Node);
    }

    [Fact]
    public async Task SpeakerAnnouncingWhatItWasNotGiven_IsRevoked()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var other = h.HolderOf(Vip).Node == "node-1" ? b : a;

        h.Beat(other, edit: hb => hb.Announced.Add(new AnnouncedVip { Address = Vip, Epoch = 1, Interface = "eth0" }));
        h.Beat(other, edit: hb => hb.Announced.Add(new AnnouncedVip { Address = "198.18.0.199", Epoch = 1, Interface = "eth0" }));

        Assert.Contains(h.Received[other.Node], m => m.Revoke is { Address: Vip, Epoch: 1 });
        Assert.Contains(h.Received[other.Node], m => m.Revoke is { Address: "198.18.0.199" });
    }

    [Fact]
    public async Task EpochNeverHandedToTheReportingNode_IsRevoked_WhileTheNodeItWasHandedToKeepsIt()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (holder, other) = h.HolderOf(Vip).Node == "node-1" ? (a, b) : (b, a);
        h.Coordinator.Closed(holder, "reset");
        var epoch = h.HolderOf(Vip).Epoch;
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);
        h.Coordinator.Closed(other, "reset");
        Assert.Null(h.HolderOf(Vip).Node);

        // The first holder comes back listing the epoch handed to the other node, then one of a later term.
        var back = h.Open(holder.Node, holder == a ? 1 : 2);
        var later = (2 * Coordinator.EpochsPerTerm) + 5;
        h.Beat(back, edit: hb => hb.Announced.Add(new AnnouncedVip { Address = Vip, Epoch = epoch, Interface = "eth0" }));
        h.Beat(back, edit: hb => hb.Announced.Add(new AnnouncedVip { Address = Vip, Epoch = later, Interface = "eth0" }));
        Assert.Contains(h.Received[back.Node], m => m.Revoke is { Address: Vip } r && r.Epoch == epoch);
        Assert.Contains(h.Received[back.Node], m => m.Revoke is { Address: Vip } r && r.Epoch == later);
        Assert.NotEqual(back.Node, h.HolderOf(Vip).Node);

        // The node it was handed to comes back listing it: it keeps it at that epoch.
        var returned = h.Open(other.Node, other == a ? 1 : 2);
        h.Holding[returned.Node][Vip] = epoch;
        h.Beat(returned);
        Assert.Equal((returned.Node, epoch), (h.HolderOf(Vip).Node, h.HolderOf(Vip).Epoch));
    }

    [Fact]
    public async Task StrayVip_IsRevokedOncePerEpoch_NotOncePerHeartbeat()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var other = h.HolderOf(Vip).Node == "node-1" ? b : a;
        static void Stray(Heartbeat hb) => hb.Announced.Add(new AnnouncedVip { Address = Vip, Epoch = 1, Interface = "eth0" });

        // A slow speaker keeps listing it in the heartbeats it sent before the Revoke arrived.
        for (var i = 0; i < 5; i++)
        {
            h.Coordinator.Heartbeat(other, new Heartbeat { Sequence = 100UL + (ulong)i, Announced = { new AnnouncedVip { Address = Vip, Epoch = 1, Interface = "eth0" } } });
        }

        h.Deliver(other);
        Assert.Single(h.Received[other.Node], m => m.Revoke is { Address: Vip });

        // It stopped; when it announces the VIP again, it is told again.
        h.Beat(other);
        h.Beat(other, edit: Stray);
        Assert.Equal(2, h.Received[other.Node].Count(m => m.Revoke is { Address: Vip }));
    }

    [Fact]
    public async Task ExcludeLabelOnEveryNode_RevokesAndWarns()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var holder = h.HolderOf(Vip).Node == "node-1" ? a : b;
        var labels = new Dictionary<string, string> { [NodeFacts.ExcludeLabel] = "" };
        h.Nodes.Clear();
        h.AddNode("node-1", 1, labels);
        h.AddNode("node-2", 2, labels);
        h.Coordinator.InputsChanged();
        await h.SettleAsync(a, b);

        Assert.Null(h.HolderOf(Vip).Node);
        Assert.Empty(h.Holding[holder.Node]);
        Assert.Contains(h.Sink.Warnings, w => w is { Service: "default/web", Reason: "NoEligibleNode" });
        Assert.Contains(h.Sink.Announcements, x => x.Announcing is null);
    }

    [Fact]
    public async Task UnhealthyReport_AndLinkDown_MoveTheVip()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (holder, other) = h.HolderOf(Vip).Node == "node-1" ? (a, b) : (b, a);

        h.Beat(holder, Health.Failed);
        await h.SettleAsync(a, b);
        h.Beat(holder, Health.Failed);
        h.Beat(other);
        await h.SettleAsync(a, b);
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);

        static void LinkDown(Heartbeat hb) => hb.Links.Add(new LinkHealth { Interface = "eth0", LinkUp = false, Health = Health.Failed });
        h.Beat(holder);
        h.Beat(other, edit: LinkDown);
        await h.SettleAsync(a, b);
        h.Beat(other, edit: LinkDown);
        h.Beat(holder);
        await h.SettleAsync(a, b);
        Assert.Equal(holder.Node, h.HolderOf(Vip).Node);
    }

    [Fact]
    public async Task MoveOffALiveHolder_IsAHandover_TheNewHolderFirst_ThenTheRevoke()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (node, _, epoch) = h.HolderOf(Vip);
        var (holder, other) = node == "node-1" ? (a, b) : (b, a);

        // The holder's link to the VIP's subnet fails, its session stays live: the other node takes
        // the VIP at once and is told whom to pass the old holder's connections to.
        h.Beat(holder, edit: hb => hb.Links.Add(new LinkHealth { Interface = "eth0", LinkUp = false, Health = Health.Failed }));
        await h.SettleAsync(a, b);
        h.Deliver(holder);
        h.Deliver(other);
        var assignment = h.Received[other.Node].Last(m => m.Assignment is not null).Assignment;
        Assert.True(assignment.Epoch > epoch);
        Assert.Equal(holder.Node == "node-1" ? "198.18.0.1" : "198.18.0.2", assignment.PreviousHolder);
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);

        // The old holder keeps it (no Revoke) until the new holder's heartbeat lists it.
        Assert.DoesNotContain(h.Received[holder.Node], m => m.Revoke is not null);
        Assert.True(h.Holding[holder.Node].ContainsKey(Vip));
        h.Beat(other);
        h.Deliver(holder);
        Assert.Contains(h.Received[holder.Node], m => m.Revoke is { Address: Vip } r && r.Epoch == epoch);
        Assert.False(h.Holding[holder.Node].ContainsKey(Vip));
    }

    [Fact]
    public async Task BackendsComingUp_SeenFirstByTheStandby_DoNotMoveTheHolder()
    {
        var (h, a, b) = await TwoNodesAsync();
        using var _ = h;
        var (holder, other) = h.HolderOf(Vip).Node == "node-1" ? (a, b) : (b, a);
        void Probes(Heartbeat hb, bool healthy) => hb.NodePorts.AddRange(
            new[] { "198.18.0.1", "198.18.0.2" }.Select(n => new NodePortHealth { NodeAddress = n, NodePort = 30080, Protocol = Protocol.Tcp, Healthy = healthy }));

        // The pods come up: the other speaker's heartbeat says so before the holder's does.
        h.Beat(holder, edit: hb => Probes(hb, healthy: false));
        h.Beat(other, edit: hb => Probes(hb, healthy: true));
        await h.SettleAsync(a, b);
        Assert.Equal(holder.Node, h.HolderOf(Vip).Node);

        // A holder that still reaches none of them once the other has for the verdict delay does move.
        var until = h.Time.GetUtcNow() + EligibilityRules.NodePortVerdictDelay;
        while (h.Time.GetUtcNow() < until)
        {
            h.Time.Advance(h.Options.HeartbeatInterval);
            h.Beat(holder, edit: hb => Probes(hb, healthy: false));
            h.Beat(other, edit: hb => Probes(hb, healthy: true));
            await h.SettleAsync(a, b);
            Assert.True(h.HolderOf(Vip).Node == holder.Node || h.Time.GetUtcNow() >= until);
        }

        Assert.Equal(other.Node, h.HolderOf(Vip).Node);
    }

    [Fact]
    public async Task FullPlan_NeverMovesALiveEligibleHolder_WhateverOrderSessionsCameIn()
    {
        using var h = new CoordinatorHarness();
        h.AddNode("node-1", 1);
        h.AddNode("node-2", 2);
        h.AddNode("node-3", 3);
        for (var i = 0; i < 6; i++)
        {
            h.AddService($"svc-{i}", $"198.18.0.{100 + i}");
        }

        h.Coordinator.StartLeading(1);

        // node-1 alone takes everything; then the others join and the plan is recomputed.
        var a = h.Open("node-1", 1);
        h.Beat(a);
        await h.SettleAsync(a);
        Assert.Equal(6, h.Holding["node-1"].Count);
        var c = h.Open("node-3", 3);
        var b = h.Open("node-2", 2);
        h.Beat(c);
        h.Beat(b);
        h.Coordinator.InputsChanged();
        await h.SettleAsync(a, b, c);
        h.Run(TimeSpan.FromSeconds(1), a, b, c);
        await h.SettleAsync(a, b, c);

        // Nothing moved: no Revoke, no Assignment anywhere else, same epochs.
        Assert.Equal(6, h.Holding["node-1"].Count);
        Assert.DoesNotContain(h.Received["node-1"], m => m.Revoke is not null);
        Assert.DoesNotContain(h.Received["node-2"].Concat(h.Received["node-3"]), m => m.Assignment is not null);

        // New groups go to the nodes holding least.
        h.AddService("svc-6", "198.18.0.106");
        h.AddService("svc-7", "198.18.0.107");
        await h.SettleAsync(a, b, c);
        Assert.Single(h.Holding["node-2"]);
        Assert.Single(h.Holding["node-3"]);
    }

    [Fact]
    public async Task HeartbeatAck_OvertakesAssignmentsAlreadyQueued()
    {
        using var h = new CoordinatorHarness();
        h.AddNode("node-1", 1);
        for (var i = 0; i < 50; i++)
        {
            h.AddService($"svc-{i}", $"198.18.0.{100 + i}");
        }

        h.Coordinator.StartLeading(1);
        var a = h.Open("node-1", 1);
        h.Beat(a);

        // Fifty Assignments wait in the outbox, unwritten, when the next heartbeat arrives.
        h.Coordinator.Tick();
        await h.Coordinator.PlanTask;
        h.Coordinator.Heartbeat(a, new Heartbeat { Sequence = 99, NodeHealth = Health.Ok });

        Assert.True(a.TryTakeNext(out var first));
        Assert.Equal(99UL, first.HeartbeatAck?.Sequence);
        Assert.Equal(50, first.HeartbeatAck!.Renewed.Count);
        var rest = new List<ControllerMessage>();
        while (a.TryTakeNext(out var next))
        {
            rest.Add(next);
        }

        Assert.Equal(50, rest.Count(m => m.Assignment is not null));
        Assert.DoesNotContain(rest, m => m.HeartbeatAck is not null);
    }

    [Fact]
    public async Task VipsOfManyServices_SpreadEvenly()
    {
        using var h = new CoordinatorHarness();
        var sessions = new List<SpeakerSession>();
        for (var i = 1; i <= 4; i++)
        {
            h.AddNode($"node-{i}", i);
        }

        for (var i = 0; i < 40; i++)
        {
            h.AddService($"svc-{i}", $"198.18.0.{100 + i}");
        }

        h.Coordinator.StartLeading(1);
        for (var i = 1; i <= 4; i++)
        {
            sessions.Add(h.Open($"node-{i}", i));
        }

        foreach (var s in sessions)
        {
            h.Beat(s);
        }

        await h.SettleAsync([.. sessions]);

        Assert.All(sessions, s => Assert.Equal(10, h.Holding[s.Node].Count));
    }
}
