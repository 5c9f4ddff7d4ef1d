using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Claims on the wire reported by speakers: evidence the coordinator judges, never a move by themselves.</summary>
public sealed class ClaimJudgingTests
{
    private const string Vip = "198.18.0.100";
    private static readonly ByteString StrangerMac = ByteString.CopyFrom(2, 0, 0, 0, 0x66, 0x66);

    private static async Task<(CoordinatorHarness H, SpeakerSession Holder, SpeakerSession Other, ulong Epoch)> HeldAsync()
    {
        var (h, a, b) = await CoordinatorTests.TwoNodesAsync();
        var (node, _, epoch) = h.HolderOf(Vip);
        var (holder, other) = node == "node-1" ? (a, b) : (b, a);
        h.Beat(holder);
        return (h, holder, other, epoch);
    }

    private static void Claimed(Heartbeat heartbeat, ByteString mac, bool knownPeer) =>
        heartbeat.ForeignClaims.Add(new ForeignClaim { Address = Vip, Mac = mac, KnownPeer = knownPeer, Interface = "eth0" });

    [Fact]
    public async Task AKnownPeersMac_OnAVipThatPeerWasNotGiven_IsDefendedByTheHolder_NothingMoves()
    {
        var (h, holder, other, epoch) = await HeldAsync();
        using var _ = h;
        var peerMac = ByteString.CopyFrom(SimulatedSpeaker.MacOf(other.Node));

        h.Beat(holder, edit: hb => Claimed(hb, peerMac, knownPeer: true));

        var defend = Assert.Single(h.Received[holder.Node], m => m.Defend is not null).Defend;
        Assert.Equal((Vip, epoch), (defend.Address, defend.Epoch));
        Assert.Contains(other.Node, defend.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Received[holder.Node], m => m.Revoke is not null);
        Assert.DoesNotContain(h.Received[other.Node], m => m.Defend is not null || m.Assignment?.Address == Vip);
        await h.SettleAsync(holder, other);
        Assert.Equal((holder.Node, epoch), (h.HolderOf(Vip).Node, h.HolderOf(Vip).Epoch));
        var warning = Assert.Single(h.Sink.Warnings);
        Assert.Equal(("default/web", "AddressConflict"), (warning.Service, warning.Reason));
        Assert.Contains(other.Node, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownMac_IsLeftToTheSpeakersOwnDefence_AndRaisesOneEventPerInterval()
    {
        var (h, holder, other, epoch) = await HeldAsync();
        using var _ = h;

        h.Beat(holder, edit: hb => Claimed(hb, StrangerMac, knownPeer: false));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        h.Beat(holder, edit: hb => Claimed(hb, StrangerMac, knownPeer: false));
        h.Beat(other);

        Assert.DoesNotContain(h.Received[holder.Node], m => m.Defend is not null || m.Revoke is not null);
        var warning = Assert.Single(h.Sink.Warnings);
        Assert.Equal("AddressConflict", warning.Reason);
        Assert.Contains("02:00:00:00:66:66", warning.Message, StringComparison.Ordinal);
        Assert.Equal((holder.Node, epoch), (h.HolderOf(Vip).Node, h.HolderOf(Vip).Epoch));

        // The claim persists: another Event once the interval has passed, not one per report.
        h.Time.Advance(Coordinator.ClaimEventInterval);
        h.Beat(other);
        h.Beat(holder, edit: hb => Claimed(hb, StrangerMac, knownPeer: false));
        Assert.Equal(2, h.Sink.Warnings.Count);
    }

    [Fact]
    public async Task TheNewHoldersClaim_ReportedByTheOldHolderOfAHandover_IsNotDefended_AndTheRevokeFollowsItsHeartbeat()
    {
        var (h, holder, other, epoch) = await HeldAsync();
        using var _ = h;
        var newHolderMac = ByteString.CopyFrom(SimulatedSpeaker.MacOf(other.Node));

        h.Beat(holder, edit: hb => hb.Links.Add(new LinkHealth { Interface = "eth0", LinkUp = false, Health = Health.Failed }));
        await h.SettleAsync(holder, other);
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);

        // The new holder's first gratuitous ARP reaches the old holder before its heartbeat reaches us.
        h.Beat(holder, edit: hb => Claimed(hb, newHolderMac, knownPeer: true));
        Assert.DoesNotContain(h.Received[holder.Node], m => m.Defend is not null);
        Assert.Empty(h.Sink.Warnings);

        h.Beat(other);
        h.Deliver(holder);
        Assert.Contains(h.Received[holder.Node], m => m.Revoke is { Address: Vip } r && r.Epoch == epoch);
    }

    [Fact]
    public async Task AHolderCutOffAndAliveAfterAll_ReportingTheNewHoldersClaim_IsRevokedNotDefended()
    {
        var (h, holder, other, epoch) = await HeldAsync();
        using var _ = h;
        var newHolderMac = ByteString.CopyFrom(SimulatedSpeaker.MacOf(other.Node));

        // The holder's session goes silent and its standby cannot ping it: the VIP moves before the lease ends.
        h.Time.Advance(h.Options.HeartbeatInterval * 2);
        h.Beat(other, edit: hb => hb.UnreachableHolders.Add(holder.Node));
        await h.SettleAsync(other);
        h.Deliver(other);
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);

        // It was only busy: its next heartbeat still lists the VIP and reports the new holder's claim.
        h.Beat(holder, edit: hb => Claimed(hb, newHolderMac, knownPeer: true));
        Assert.DoesNotContain(h.Received[holder.Node], m => m.Defend is not null);
        Assert.Contains(h.Received[holder.Node], m => m.Revoke is { Address: Vip } r && r.Epoch == epoch);
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);
    }
}
