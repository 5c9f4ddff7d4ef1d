using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf.WellKnownTypes;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Session messages with impossible values, as the fuzzer (tests/EdgeLB.Fuzz) found them: the leader takes them in its stride.</summary>
public sealed class HostileSessionMessageTests
{
    private const string Vip = "198.18.0.100";

    /// <summary>Two speakers after the first plan: the one that holds the VIP, the other, and the VIP's epoch.</summary>
    private static async Task<(CoordinatorHarness H, SpeakerSession Holder, SpeakerSession Other, ulong Epoch)> TwoNodesAsync()
    {
        var h = new CoordinatorHarness();
        h.AddService("web", Vip);
        foreach (var i in new[] { 1, 2 })
        {
            h.AddNode($"node-{i}", i);
        }

        h.Coordinator.StartLeading(term: 1);
        var sessions = new[] { 1, 2 }.Select(i => h.Open($"node-{i}", i)).ToArray();
        Array.ForEach(sessions, s => h.Beat(s));
        await h.SettleAsync(sessions);
        var (node, _, epoch) = h.HolderOf(Vip);
        var holder = sessions.Single(s => s.Node == node);
        return (h, holder, sessions.Single(s => s != holder), epoch);
    }

    [Fact]
    public async Task DrainRequest_WithAnUnnormalizedDeadline_DrainsWithoutThrowing()
    {
        var (h, holder, other, _) = await TwoNodesAsync();
        using var _ = h;

        h.Coordinator.Drain(holder, new DrainRequest { Deadline = new Duration { Seconds = -5_838_933_234_521_850, Nanos = -2037 } });
        h.Deliver(other);

        Assert.Equal(other.Node, h.HolderOf(Vip).Node);
    }

    [Fact]
    public async Task DrainRequest_WithTheLongestValidDeadline_DoesNotOverflowTheClock()
    {
        var (h, holder, _, _) = await TwoNodesAsync();
        using var _ = h;

        h.Coordinator.Drain(holder, new DrainRequest { Deadline = new Duration { Seconds = 315_576_000_000 } });
    }

    [Fact]
    public async Task Heartbeat_WithAnInvalidLastGarp_IsAckedAndKeepsTheVip()
    {
        var (h, holder, _, epoch) = await TwoNodesAsync();
        using var _ = h;

        h.Beat(holder, edit: hb =>
        {
            foreach (var vip in hb.Announced)
            {
                vip.LastGarp = new Timestamp { Seconds = 13_811_011_850_914_342, Nanos = -74_554_130 };
            }
        });

        Assert.Equal((holder.Node, epoch), (h.HolderOf(Vip).Node, h.HolderOf(Vip).Epoch));
        Assert.NotNull(h.Received[holder.Node].LastOrDefault(m => m.HeartbeatAck is not null));
    }

    [Fact]
    public async Task Heartbeat_AnnouncingEpochTwoToTheSixtyFourMinusOne_DoesNotWrapTheNextEpochToZero()
    {
        var (h, holder, other, epoch) = await TwoNodesAsync();
        using var _ = h;

        h.Beat(other, edit: hb => hb.Announced.Add(new AnnouncedVip { Address = Vip, Epoch = ulong.MaxValue, Interface = "eth0" }));
        h.Coordinator.Closed(holder, "closed by the speaker");
        h.Deliver(other);

        var moved = h.HolderOf(Vip);
        Assert.Equal(other.Node, moved.Node);
        Assert.True(moved.Epoch > epoch, $"the VIP moved at epoch {moved.Epoch}, not above {epoch}");
    }
}
