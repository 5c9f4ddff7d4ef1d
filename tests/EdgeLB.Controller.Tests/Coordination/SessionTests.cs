using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Tests.Coordination;

public sealed class SessionTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(80, 1)]
    [InlineData(81, 2)]
    [InlineData(200, 4)]
    [InlineData(1000, 16)]
    public void Scale_KeepsTheTotalHeartbeatRateWithinTheBudget_InPowersOfTwo(int sessions, int scale)
    {
        var interval = SessionTimings.DefaultHeartbeatInterval;
        Assert.Equal(scale, SessionTimings.Scale(interval, SessionTimings.DefaultHeartbeatBudget, sessions));
        Assert.True(sessions / (interval * scale).TotalSeconds <= SessionTimings.DefaultHeartbeatBudget);
    }

    [Fact]
    public async Task PastTheHeartbeatBudget_EverySpeakerIsToldTheStretchedTimings()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 3);
        var host = await lab.StartControllerAsync(configure: o => o.HeartbeatBudget = 50); // 50 ms: 2 speakers fit, 3 do not
        var a = await lab.ConnectAsync(host, "node-1", 1);
        var b = await lab.ConnectAsync(host, "node-2", 2);
        await Eventually.TrueAsync(() => Task.FromResult(b.Configuration is not null), "node-2 is configured");
        Assert.Equal(TimeSpan.FromMilliseconds(50), b.Configuration!.HeartbeatInterval.ToTimeSpan());

        var c = await lab.ConnectAsync(host, "node-3", 3);
        await Eventually.TrueAsync(
            () => Task.FromResult(new[] { a, b, c }.All(s => s.Configuration?.HeartbeatInterval.ToTimeSpan() == TimeSpan.FromMilliseconds(100))),
            "every speaker, old and new, heartbeats half as often");
        Assert.All(new[] { a, b, c }, s => Assert.Equal(TimeSpan.FromMilliseconds(3600), s.Configuration!.LeaseDuration.ToTimeSpan()));
    }

    [Fact]
    public async Task Refusals_NoToken_WrongServiceAccount_NodeMismatch_UnboundToken_EachWithStatusAndWarningEvent()
    {
        await using var lab = await CoordinationLab.StartAsync();
        var host = await lab.StartControllerAsync();

        var noToken = await lab.ConnectAsync(host, "node-1", 1, token: string.Empty, heartbeats: false);
        var wrongAccount = await lab.ConnectAsync(host, "node-2", 2, token: lab.SpeakerToken("node-2", serviceAccount: "default"), heartbeats: false);
        var otherNode = await lab.ConnectAsync(host, "node-3", 3, token: lab.SpeakerToken("node-1"), heartbeats: false);
        var wrongAudience = await lab.ConnectAsync(host, "node-1", 1, token: lab.Server.IssueToken("edgelb-speaker", CoordinationLab.Namespace, podName: "p", nodeName: "node-1"), heartbeats: false);
        var unbound = await lab.ConnectAsync(host, "node-2", 2, token: lab.Server.IssueToken("edgelb-speaker", CoordinationLab.Namespace, "edgelb"), heartbeats: false);

        Assert.Equal(StatusCode.Unauthenticated, (await noToken.EndAsync())?.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await wrongAccount.EndAsync())?.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await otherNode.EndAsync())?.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, (await wrongAudience.EndAsync())?.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await unbound.EndAsync())?.StatusCode);
        Assert.Equal(0, host.Coordinator.SessionCount);
        Assert.All(new[] { noToken, wrongAccount, otherNode }, s => Assert.Null(s.Configuration));

        await Eventually.TrueAsync(
            async () => (await lab.Client.ListAsync(Resources.Events, CoordinationLab.Namespace)).Items.Any(e => e is { Reason: "SpeakerRefused", Type: "Warning" } && e.Message!.Contains("runs on node-1", StringComparison.Ordinal)),
            "a Warning Event on the pod that claimed another node");
        // A call without a token is refused before its Hello is read, so no node is known and no
        // Event is written (a flood of them would cost the API server): a log line and the metric only.
        Assert.DoesNotContain((await lab.Client.ListAsync(Resources.Events, "default")).Items, e => e.Reason == "SpeakerRefused" && e.InvolvedObject?.Kind == "Node");
    }

    [Fact]
    public async Task NodeComesFromThePod_WhenTheTokenCarriesOnlyThePodName()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 2);
        lab.Server.CreateObjects("""
            apiVersion: v1
            kind: Pod
            metadata: {name: speaker-abc, namespace: edgelb-system}
            spec:
              nodeName: node-2
              serviceAccountName: edgelb-speaker
              containers: [{name: speaker, image: edgelb}]
            """);
        var host = await lab.StartControllerAsync();
        var token = lab.Server.IssueToken("edgelb-speaker", CoordinationLab.Namespace, "edgelb", podName: "speaker-abc");

        var liar = await lab.ConnectAsync(host, "node-1", 1, token: token, heartbeats: false);
        Assert.Equal(StatusCode.PermissionDenied, (await liar.EndAsync())?.StatusCode);

        var honest = await lab.ConnectAsync(host, "node-2", 2, token: token);
        await Eventually.TrueAsync(() => Task.FromResult(honest.Configuration is not null), "the pod's own node gets a session");
        Assert.False(honest.Ended);
    }

    [Fact]
    public async Task Session_GetsConfigurationWithPeers_AnAssignment_AndAcksRenewingIt_AndServiceShowsAnnouncingNode()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 2);
        var host = await lab.StartControllerAsync();
        var a = await lab.ConnectAsync(host, "node-1", 1);
        var b = await lab.ConnectAsync(host, "node-2", 2);
        var service = await lab.CreateServiceAsync("web");
        var vip = service.Status!.LoadBalancer!.Ingress![0].Ip!;

        var holder = await CoordinationLab.HolderAsync(vip, a, b);
        var assignment = holder.AssignmentOf(vip)!;
        Assert.Equal("eth0", assignment.Interface);
        Assert.True(assignment.Epoch > Coordinator.EpochsPerTerm, "epochs of a term start above the term floor");
        Assert.Equal(["default/web"], assignment.Services);
        var port = Assert.Single(assignment.Ports);
        Assert.Equal(80u, port.Port);
        Assert.Equal(["198.18.0.1", "198.18.0.2"], port.Backends.Select(x => x.Address));
        Assert.All(port.Backends, x => Assert.Equal(port.NodePort, x.Port));

        await Eventually.TrueAsync(() => Task.FromResult(a.Configuration?.Peers.Any(p => p.Node == "node-2") == true), "node-1 learns node-2's MAC");
        Assert.Equal(SimulatedSpeaker.MacOf("node-2"), a.Configuration!.Peers.Single(p => p.Node == "node-2").Macs[0].ToByteArray());
        Assert.DoesNotContain(a.Configuration.Peers, p => p.Node == "node-1");
        Assert.Equal(TimeSpan.FromMilliseconds(50), a.Configuration.HeartbeatInterval.ToTimeSpan());
        Assert.Equal(TimeSpan.FromMilliseconds(1800), a.Configuration.LeaseDuration.ToTimeSpan());

        await Eventually.TrueAsync(
            () => Task.FromResult(holder.Received.Any(m => m.HeartbeatAck?.Renewed.Any(r => r.Address == vip && r.Epoch == assignment.Epoch) == true)),
            "an ack renews the lease");
        var expected = $"{holder.Node},eth0,{assignment.Epoch}";
        await Eventually.TrueAsync(
            async () => (await lab.Fixture.GetServiceAsync("web")).Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AnnouncingNode) == expected,
            "the announcing-node annotation");
        await Eventually.TrueAsync(
            async () => (await lab.Fixture.GetServiceAsync("web")).Status?.Conditions?.Any(c => c is { Type: AnnouncementWriter.ConditionType, Status: "True", Reason: "AnnouncingFrom" }) == true,
            "the Announced condition");
        await Eventually.TrueAsync(
            async () => (await lab.Fixture.EventsForAsync("web")).Any(e => e.Reason == "AnnouncingFrom" && e.Message!.Contains(holder.Node, StringComparison.Ordinal)),
            "an AnnouncingFrom event");
    }

    [Fact]
    public async Task ClosedSession_MovesItsVipAtOnce_WithAHigherEpoch()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 2);

        // A lease far longer than the test: only the closed session can explain a move.
        var host = await lab.StartControllerAsync(configure: o => o.SpeakerLease = TimeSpan.FromMinutes(5));
        var a = await lab.ConnectAsync(host, "node-1", 1);
        var b = await lab.ConnectAsync(host, "node-2", 2);
        var vip = (await lab.CreateServiceAsync("web")).Status!.LoadBalancer!.Ingress![0].Ip!;
        var first = await CoordinationLab.HolderAsync(vip, a, b);
        var epoch = first.Holding[vip];
        var other = first == a ? b : a;

        await first.CloseAsync();

        await Eventually.TrueAsync(() => Task.FromResult(other.Holding.TryGetValue(vip, out var e) && e > epoch), "the other node takes the VIP with a higher epoch");
    }

    [Fact]
    public async Task ResetSession_MovesItsVipAtOnce()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 2);
        var host = await lab.StartControllerAsync(configure: o => o.SpeakerLease = TimeSpan.FromMinutes(5));
        var a = await lab.ConnectAsync(host, "node-1", 1);
        var b = await lab.ConnectAsync(host, "node-2", 2);
        var vip = (await lab.CreateServiceAsync("web")).Status!.LoadBalancer!.Ingress![0].Ip!;
        var first = await CoordinationLab.HolderAsync(vip, a, b);
        var other = first == a ? b : a;

        await first.DisposeAsync();

        await Eventually.TrueAsync(() => Task.FromResult(other.Holding.ContainsKey(vip)), "the other node takes the VIP");
    }

    [Fact]
    public async Task Follower_AnswersUnavailable_NamingTheLeader()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var leader = await lab.StartControllerAsync("controller-a");
        var follower = await lab.StartControllerAsync("controller-b", waitUntilLeading: false);
        await Eventually.TrueAsync(() => Task.FromResult(follower.CoordinatorAddress.Length > 0), "the follower serves gRPC");

        var speaker = await lab.ConnectAsync(follower, "node-1", 1, heartbeats: false);
        var refusal = await speaker.EndAsync();

        Assert.Equal(StatusCode.Unavailable, refusal?.StatusCode);
        Assert.Equal(leader.CoordinatorAddress, refusal!.Trailers.Get(SessionService.LeaderTrailer));
    }

    [Fact]
    public async Task GetState_ListsVipsWithCandidatesAndReasons_AndSpeakers()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 3);
        var host = await lab.StartControllerAsync();
        var a = await lab.ConnectAsync(host, "node-1", 1);
        var b = await lab.ConnectAsync(host, "node-2", 2);
        var vip = (await lab.CreateServiceAsync("web")).Status!.LoadBalancer!.Ingress![0].Ip!;
        var holder = await CoordinationLab.HolderAsync(vip, a, b);

        GetStateResponse state = null!;
        await Eventually.TrueAsync(async () => (state = await lab.GetStateAsync(host)).Vips.Any(v => v.Node == holder.Node), "state shows the holder");
        Assert.True(state.Leader);
        Assert.Equal("controller-a", state.Controller);
        var vipState = Assert.Single(state.Vips);
        Assert.Equal(vip, vipState.Address);
        Assert.Equal("lan", vipState.Pool);
        Assert.Equal(["default/web"], vipState.Services);
        Assert.Equal("eth0", vipState.Interface);
        Assert.Equal(holder.Holding[vip], vipState.Epoch);
        Assert.Equal(["node-1", "node-2"], state.Speakers.Select(s => s.Node));
        Assert.Equal(holder.Node, vipState.Candidates[0].Node);
        Assert.True(vipState.Candidates[0].Chosen);
        Assert.Equal(RejectionReason.LowerRank, vipState.Candidates.Single(c => c.Node == (holder == a ? b : a).Node).Reason);
        Assert.Equal(RejectionReason.NoSession, vipState.Candidates.Single(c => c.Node == "node-3").Reason);

        var filtered = await lab.GetStateAsync(host, new GetStateRequest { Namespace = "other" });
        Assert.Empty(filtered.Vips);
    }
}
