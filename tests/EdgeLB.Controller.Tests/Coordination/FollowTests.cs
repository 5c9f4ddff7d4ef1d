using EdgeLB.Controller.Coordination;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>The coordinator following the cluster: EndpointSlices, health reports, and a leader change.</summary>
public sealed class FollowTests
{
    [Fact]
    public async Task LocalTrafficPolicy_FollowsEndpointSlices()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 3);
        var host = await lab.StartControllerAsync();
        var speakers = new[] { await lab.ConnectAsync(host, "node-1", 1), await lab.ConnectAsync(host, "node-2", 2), await lab.ConnectAsync(host, "node-3", 3) };
        var slice = await lab.SetEndpointsAsync("web", "node-3");
        var vip = (await lab.CreateServiceAsync("web", trafficPolicy: "Local")).Status!.LoadBalancer!.Ingress![0].Ip!;

        var holder = await CoordinationLab.HolderAsync(vip, speakers);
        Assert.Equal("node-3", holder.Node);
        Assert.Equal(["node-3"], holder.AssignmentOf(vip)!.Ports[0].Backends.Select(b => b.Node));
        Assert.Equal(Rpc.Contract.V1.TrafficPolicy.Local, holder.AssignmentOf(vip)!.ExternalTrafficPolicy);

        // The endpoint moves to node-1: so does the VIP.
        await lab.Client.DeleteAsync(Resources.EndpointSlices, "default", slice.Metadata.Name!);
        await lab.SetEndpointsAsync("web", "node-1");
        await Eventually.TrueAsync(() => Task.FromResult(speakers[0].Holding.ContainsKey(vip) && !speakers[2].Holding.ContainsKey(vip)), "the VIP follows the endpoint to node-1");
        Assert.Equal(["node-1"], speakers[0].AssignmentOf(vip)!.Ports[0].Backends.Select(b => b.Node));
    }

    [Fact]
    public async Task Backends_FollowTheHoldersHealthReports()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 3);
        var (_, vip, holder) = await lab.TwoSpeakersAndAServiceAsync();
        var port = holder.AssignmentOf(vip)!.Ports[0];
        Assert.Equal(3, port.Backends.Count);

        holder.Probes[new NodePortTarget("198.18.0.3", port.NodePort, Protocol.Tcp)] = false;
        await Eventually.TrueAsync(() => Task.FromResult(holder.AssignmentOf(vip)!.Ports[0].Backends.Count == 2), "node-3 leaves the backends");
        Assert.DoesNotContain(holder.AssignmentOf(vip)!.Ports[0].Backends, b => b.Node == "node-3");

        holder.Probes[new NodePortTarget("198.18.0.3", port.NodePort, Protocol.Tcp)] = true;
        await Eventually.TrueAsync(() => Task.FromResult(holder.AssignmentOf(vip)!.Ports[0].Backends.Count == 3), "node-3 comes back");
    }

    [Fact]
    public async Task ProbeResults_TheHolderStopsReporting_AreForgotten()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 3);
        var (_, vip, holder) = await lab.TwoSpeakersAndAServiceAsync();
        var port = holder.AssignmentOf(vip)!.Ports[0];
        var target = new NodePortTarget("198.18.0.3", port.NodePort, Protocol.Tcp);

        holder.Probes[target] = false;
        await Eventually.TrueAsync(() => Task.FromResult(holder.AssignmentOf(vip)!.Ports[0].Backends.Count == 2), "node-3 leaves the backends");

        // The speaker no longer checks node-3 (it was not given it): its last result must not keep node-3 out.
        holder.Probes.TryRemove(target, out _);
        await Eventually.TrueAsync(() => Task.FromResult(holder.AssignmentOf(vip)!.Ports[0].Backends.Count == 3), "node-3 is a backend again once nobody reports it down");
    }

    [Fact]
    public async Task AVipTheHolderDroppedOnItsOwn_IsAssignedAgain_WithAHigherEpoch()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 2);
        var (speakers, vip, holder) = await lab.TwoSpeakersAndAServiceAsync();
        var epoch = holder.Holding[vip];

        holder.Forget(vip);

        await Eventually.TrueAsync(
            () => Task.FromResult(speakers.Any(s => s.Holding.TryGetValue(vip, out var e) && e > epoch)),
            "the dropped VIP is assigned again instead of being renewed unannounced");
    }

    [Fact]
    public async Task AVipTheHolderNeverTookUp_IsAssignedAgain_AfterTheTakeUpLimit()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync();
        var speaker = await lab.ConnectAsync(host, "node-1", 1);
        speaker.Unapplied = 1;
        var vip = (await lab.CreateServiceAsync("web")).Status!.LoadBalancer!.Ingress![0].Ip!;
        await Eventually.TrueAsync(() => Task.FromResult(speaker.Received.Any(m => m.Assignment?.Address == vip)), "the first Assignment arrives");
        var first = speaker.Received.First(m => m.Assignment?.Address == vip).Assignment.Epoch;
        Assert.Null(speaker.AssignmentOf(vip));

        await Eventually.TrueAsync(
            () => Task.FromResult(speaker.AssignmentOf(vip)?.Epoch > first),
            "the VIP no heartbeat ever listed is assigned again with a higher epoch",
            SessionTimings.TakeUpLimit * 4);
    }

    [Fact]
    public async Task LeaderFailover_MovesNoVip()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 3);
        var first = await lab.StartControllerAsync("controller-a");
        var speakers = new[] { await lab.ConnectAsync(first, "node-1", 1, instance: "i1"), await lab.ConnectAsync(first, "node-2", 2, instance: "i2"), await lab.ConnectAsync(first, "node-3", 3, instance: "i3") };
        var vips = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            vips.Add((await lab.CreateServiceAsync($"web-{i}")).Status!.LoadBalancer!.Ingress![0].Ip!);
        }

        var before = new Dictionary<string, (string Node, ulong Epoch)>(StringComparer.Ordinal);
        foreach (var vip in vips)
        {
            var holder = await CoordinationLab.HolderAsync(vip, speakers);
            before[vip] = (holder.Node, holder.Holding[vip]);
        }

        await Eventually.TrueAsync(
            async () => (await lab.Client.ListAsync(Resources.Services, "default")).Items.All(s => s.Metadata.Annotations?.ContainsKey(Core.Allocation.ServiceAnnotations.AnnouncingNode) == true),
            "every Service carries its announcing node");
        var second = await lab.StartControllerAsync("controller-b", waitUntilLeading: false);
        await lab.Fixture.StopControllerAsync(first);
        await Eventually.TrueAsync(() => Task.FromResult(second.IsReady), "controller-b leads");

        // The speakers keep what they hold (orphaned) and report it to the new leader.
        var moved = new List<SimulatedSpeaker>();
        foreach (var old in speakers)
        {
            var reconnected = await lab.ConnectAsync(second, old.Node, int.Parse(old.Node[5..], System.Globalization.CultureInfo.InvariantCulture), instance: "i" + old.Node[5..], heartbeats: false);
            foreach (var (vip, epoch) in old.Holding)
            {
                reconnected.Hold(vip, epoch);
            }

            reconnected.StartHeartbeats(TimeSpan.FromMilliseconds(50));
            moved.Add(reconnected);
        }

        await Eventually.TrueAsync(() => Task.FromResult(!second.Coordinator.IsRelearning && moved.All(s => s.AckCount > 5)), "relearned and renewing");
        await Task.Delay(500);
        foreach (var vip in vips)
        {
            var holder = await CoordinationLab.HolderAsync(vip, [.. moved]);
            Assert.Equal(before[vip], (holder.Node, holder.Holding[vip]));
        }

        Assert.All(moved, s => Assert.DoesNotContain(s.Received, m => m.Revoke is not null || (m.Assignment is not null && m.Assignment.Epoch != before[m.Assignment.Address].Epoch)));
    }
}
