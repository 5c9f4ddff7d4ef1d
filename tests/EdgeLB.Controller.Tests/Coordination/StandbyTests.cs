using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Warm standbys: the node next in line gets the VIP's forwarding ahead of a failover, and the failover goes there.</summary>
public sealed class StandbyTests
{
    private const string Vip = "198.18.0.100";

    private static async Task<(CoordinatorHarness H, List<SpeakerSession> Sessions)> NodesAsync(int nodes, int services)
    {
        var h = new CoordinatorHarness();
        for (var i = 1; i <= nodes; i++)
        {
            h.AddNode($"node-{i}", i);
        }

        for (var i = 0; i < services; i++)
        {
            h.AddService($"svc-{i}", $"198.18.0.{100 + i}");
        }

        h.Coordinator.StartLeading(term: 1);
        var sessions = Enumerable.Range(1, nodes).Select(i => h.Open($"node-{i}", i)).ToList();
        foreach (var s in sessions)
        {
            h.Beat(s);
        }

        await h.SettleAsync([.. sessions]);
        foreach (var s in sessions)
        {
            h.Beat(s);
        }

        return (h, sessions);
    }

    /// <summary>
    /// Which node stands by for each VIP now: per node, the VIPs of its Standbys not ended since by a
    /// StandbyEnd or an Assignment. No VIP may have two.
    /// </summary>
    private static Dictionary<string, string> StandbyOf(CoordinatorHarness h)
    {
        var standby = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (node, messages) in h.Received)
        {
            var ready = new HashSet<string>(StringComparer.Ordinal);
            foreach (var m in messages)
            {
                if (m.Standby is { } s)
                {
                    ready.Add(s.Next.Address);
                }
                else if ((m.StandbyEnd?.Address ?? m.Assignment?.Address) is { } ended)
                {
                    ready.Remove(ended);
                }
            }

            foreach (var vip in ready)
            {
                Assert.True(standby.TryAdd(vip, node), $"{vip}: both {standby.GetValueOrDefault(vip)} and {node} stand by");
            }
        }

        return standby;
    }

    [Fact]
    public async Task AnotherNode_StandsBy_WithTheHoldersPortsButNoEpochOrLease_AndTakesOverWhenTheHolderCloses()
    {
        var (h, sessions) = await NodesAsync(nodes: 3, services: 1);
        using var _ = h;
        var (holder, _, epoch) = h.HolderOf(Vip);
        var assignment = h.Received[holder!].Last(m => m.Assignment is not null).Assignment;

        var standbys = h.Received.Where(r => r.Value.Exists(m => m.Standby is not null)).ToList();
        var (standbyNode, messages) = Assert.Single(standbys);
        Assert.NotEqual(holder, standbyNode);
        var next = messages.Last(m => m.Standby is not null).Standby.Next;
        Assert.Equal((Vip, 0ul, null, string.Empty), (next.Address, next.Epoch, next.LeaseDuration, next.Interface));
        Assert.Equal(assignment.Ports, next.Ports);
        Assert.DoesNotContain(messages, m => m.Assignment is not null);

        h.Coordinator.Closed(sessions.Single(s => s.Node == holder), "reset");
        foreach (var s in sessions.Where(s => s.Node != holder))
        {
            h.Deliver(s);
        }

        var moved = h.HolderOf(Vip);
        Assert.Equal(standbyNode, moved.Node);
        Assert.True(moved.Epoch > epoch);

        // The third node is next in line now; the promoted standby got no StandbyEnd.
        var third = sessions.Single(s => s.Node != holder && s.Node != standbyNode).Node;
        Assert.Equal(third, StandbyOf(h)[Vip]);
        Assert.DoesNotContain(h.Received[standbyNode], m => m.StandbyEnd is not null);
    }

    [Fact]
    public async Task Standbys_SpreadEvenly_AndAFailoverSendsEveryVipOfTheLostNodeToItsStandby()
    {
        var (h, sessions) = await NodesAsync(nodes: 4, services: 40);
        using var _ = h;
        var standby = StandbyOf(h);
        Assert.Equal(40, standby.Count);
        foreach (var group in standby.GroupBy(s => s.Value))
        {
            Assert.InRange(group.Count(), 9, 11);
        }

        var lost = sessions[0];
        var held = h.Holding[lost.Node].Keys.ToList();
        Assert.NotEmpty(held);
        Assert.All(held, vip => Assert.NotEqual(lost.Node, standby[vip]));

        h.Coordinator.Closed(lost, "reset");
        foreach (var s in sessions.Skip(1))
        {
            h.Deliver(s);
        }

        Assert.All(held, vip => Assert.Equal(standby[vip], h.HolderOf(vip).Node));
        var after = StandbyOf(h);
        Assert.All(held, vip => Assert.NotEqual(h.HolderOf(vip).Node, after.GetValueOrDefault(vip)));
        Assert.All(held, vip => Assert.NotNull(after.GetValueOrDefault(vip)));
    }

    [Fact]
    public async Task AStandbyThatBecomesIneligible_IsToldSo_AndAnotherNodeStandsBy()
    {
        var (h, sessions) = await NodesAsync(nodes: 3, services: 1);
        using var _ = h;
        var holder = h.HolderOf(Vip).Node;
        var first = StandbyOf(h)[Vip];

        static void LinkDown(Heartbeat hb) => hb.Links.Add(new LinkHealth { Interface = "eth0", LinkUp = false, Health = Health.Failed });
        foreach (var s in sessions)
        {
            h.Beat(s, edit: s.Node == first ? LinkDown : null);
        }

        await h.SettleAsync([.. sessions]);

        var end = Assert.Single(h.Received[first], m => m.StandbyEnd is not null).StandbyEnd;
        Assert.Equal(Vip, end.Address);
        var second = StandbyOf(h)[Vip];
        Assert.NotEqual(first, second);
        Assert.NotEqual(holder, second);
        Assert.Equal(holder, h.HolderOf(Vip).Node);
    }

    [Fact]
    public async Task AReconnectingStandby_GetsItsStandbyAgain()
    {
        var (h, sessions) = await NodesAsync(nodes: 2, services: 1);
        using var _ = h;
        var standby = sessions.Single(s => s.Node != h.HolderOf(Vip).Node);
        Assert.Single(h.Received[standby.Node], m => m.Standby is not null);

        var again = h.Open(standby.Node, standby.Node == "node-1" ? 1 : 2);
        h.Beat(again);
        await h.SettleAsync(again);

        Assert.Single(h.Received[again.Node], m => m.Standby is not null);
    }

    [Fact]
    public async Task AStandbyThatCannotPingTheSilentHolder_GetsItsVipBeforeTheLeaseEnds()
    {
        var (h, sessions) = await NodesAsync(nodes: 2, services: 1);
        using var _ = h;
        var (holderNode, _, epoch) = h.HolderOf(Vip);
        var holder = sessions.Single(s => s.Node == holderNode);
        var standby = sessions.Single(s => s.Node != holderNode);
        var told = h.Received[standby.Node].Last(m => m.Standby is not null).Standby;
        Assert.Equal((holderNode, holderNode == "node-1" ? "198.18.0.1" : "198.18.0.2"), (told.HolderNode, told.HolderAddress));

        // One heartbeat interval of silence is not enough, even with the report.
        h.Run(h.Options.HeartbeatInterval, standby);
        h.Beat(standby, edit: hb => hb.UnreachableHolders.Add(holderNode!));
        Assert.Equal(holderNode, h.HolderOf(Vip).Node);

        // The report is kept: the VIP moves the moment the silence reaches the cut-off, without
        // waiting for the standby's next heartbeat, long before the holder's lease (five intervals) ends.
        h.Time.Advance((h.Options.HeartbeatInterval * SessionTimings.CutOffSilence) - h.Options.HeartbeatInterval);
        var moved = h.HolderOf(Vip);
        Assert.Equal(standby.Node, moved.Node);
        Assert.True(moved.Epoch > epoch);
        Assert.True(h.Options.SpeakerLease > h.Options.HeartbeatInterval * 2);
        Assert.False(holder.Live);
    }

    [Fact]
    public async Task AReportAboutAHolderThatKeepsBeating_MovesNothing()
    {
        var (h, sessions) = await NodesAsync(nodes: 2, services: 1);
        using var _ = h;
        var holderNode = h.HolderOf(Vip).Node!;
        var standby = sessions.Single(s => s.Node != holderNode);

        for (var i = 0; i < 10; i++)
        {
            h.Run(h.Options.HeartbeatInterval, [.. sessions]);
            h.Beat(standby, edit: hb => hb.UnreachableHolders.Add(holderNode));
        }

        Assert.Equal(holderNode, h.HolderOf(Vip).Node);
    }
}
