using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Sandbox.ApiServer;
using EdgeLB.Testing;
using Google.Protobuf;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>
/// The coordinator decides who is calling from the call's metadata before it reads a message, and
/// bounds what a caller's messages may cost; GetState needs a speaker's or an operator's token.
/// </summary>
public sealed class AuthenticationTests
{
    private const uint FourMiB = 4 * 1024 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static byte[] LargeHello(int size) => HostileSessionCall.HelloOfSize(size);

    [Fact]
    public async Task OversizedHelloWithoutToken_IsRefusedUnauthenticated_BeforeItsBodyArrives()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync();
        using var connection = HostileSessionCall.NewConnection();

        // The prefix declares 4 MiB but only 32 KiB follow and the body stays open: a server that
        // parsed (or buffered) the message before checking the caller would never answer.
        await using var call = HostileSessionCall.Start(connection, CoordinationLab.AddressOf(host), token: null, FourMiB, LargeHello((int)FourMiB).AsMemory(0, 32 * 1024), Patience);
        var (status, message) = await call.OutcomeAsync();

        Assert.Equal(((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Contains("bearer token", message, StringComparison.Ordinal);
        Assert.Equal(0, host.Coordinator.SessionCount);
    }

    [Fact]
    public async Task InvalidToken_IsRefusedUnauthenticated_WithoutReadingTheHello()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync();
        using var connection = HostileSessionCall.NewConnection();

        await using var call = HostileSessionCall.Start(connection, CoordinationLab.AddressOf(host), "made-up-token", FourMiB, LargeHello((int)FourMiB).AsMemory(0, 32 * 1024), Patience);

        Assert.Equal(((int)StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture), (await call.OutcomeAsync()).Status);
    }

    [Theory]
    [InlineData(FourMiB, 32 * 1024)] // declared far over the limit, body never completes: refused from the prefix
    [InlineData(SessionService.MaxHelloSize + 1, SessionService.MaxHelloSize + 1)] // one byte over, sent whole
    public async Task HelloOverTheLimit_FromARealSpeaker_IsRefusedResourceExhausted_FromItsLengthPrefix(uint declared, int sent)
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync();
        using var connection = HostileSessionCall.NewConnection();

        await using var call = HostileSessionCall.Start(connection, CoordinationLab.AddressOf(host), lab.SpeakerToken("node-1"), declared, LargeHello((int)declared).AsMemory(0, sent), Patience);
        var (status, message) = await call.OutcomeAsync();

        Assert.Equal(((int)StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture), status);
        Assert.Contains($"limit of {SessionService.MaxHelloSize} bytes", message, StringComparison.Ordinal);
        Assert.Equal(0, host.Coordinator.SessionCount);
    }

    [Fact]
    public async Task AfterHello_AHeartbeatLargerThanTheHelloLimit_IsAccepted()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync();
        var speaker = await lab.ConnectAsync(host, "node-1", 1, heartbeats: false);
        await Eventually.TrueAsync(() => Task.FromResult(speaker.Configuration is not null), "node-1 gets a session");

        // About 150 KiB of link reports for interfaces the node does not have (ignored by the planner).
        var links = Enumerable.Range(0, 4000).Select(i => new LinkHealth { Interface = $"dummy-interface-{i:D6}", LinkUp = true, Health = Health.Ok }).ToList();
        Assert.True(new Heartbeat { Links = { links } }.CalculateSize() > SessionService.MaxHelloSize);
        var acks = speaker.AckCount;
        await speaker.HeartbeatAsync(links: links);

        await Eventually.TrueAsync(() => Task.FromResult(speaker.AckCount > acks), "the large heartbeat is acknowledged");
        Assert.False(speaker.Ended);
    }

    [Fact]
    public async Task HelloNamingAnotherNode_AfterAuthentication_IsPermissionDenied_AndTheRealNodeStillConnects()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 2);
        var host = await lab.StartControllerAsync();
        var token = lab.SpeakerToken("node-1");

        var liar = await lab.ConnectAsync(host, "node-2", 2, token: token, heartbeats: false);
        Assert.Equal(StatusCode.PermissionDenied, (await liar.EndAsync())?.StatusCode);

        // Same token again, now answered from the verdict cache: the identity, not the refusal, is cached.
        var honest = await lab.ConnectAsync(host, "node-1", 1, token: token);
        await Eventually.TrueAsync(() => Task.FromResult(honest.Configuration is not null), "node-1 gets a session");
    }

    [Fact]
    public async Task GetState_WithoutToken_OrWithAnUnprivilegedOne_IsRefused_WithASpeakerOrOperatorToken_Answers()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync();

        var none = await Assert.ThrowsAsync<RpcException>(() => lab.GetStateAsync(host, token: string.Empty));
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);

        var forged = await Assert.ThrowsAsync<RpcException>(() => lab.GetStateAsync(host, token: "made-up-token"));
        Assert.Equal(StatusCode.Unauthenticated, forged.StatusCode);

        // A valid token of a user the API server does not let list Services cluster-wide.
        var tenant = lab.Server.IssueToken("deployer", "team-a");
        var denied = await Assert.ThrowsAsync<RpcException>(() => lab.GetStateAsync(host, token: tenant));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("system:serviceaccount:team-a:deployer may not list services", denied.Status.Detail, StringComparison.Ordinal);

        Assert.True((await lab.GetStateAsync(host)).Leader, "the kubeconfig's administrator reads the state");
        Assert.True((await lab.GetStateAsync(host, token: lab.SpeakerToken("node-1"))).Leader, "a speaker reads the state");

        var viewer = lab.Server.IssueToken("viewer", "ops");
        lab.Server.Grant("system:serviceaccount:ops:viewer", StateReaderAuthorizer.Verb, string.Empty, StateReaderAuthorizer.Resource);
        Assert.True((await lab.GetStateAsync(host, token: viewer)).Leader, "a user granted list services reads the state");
    }

    [Fact]
    public async Task ReviewsPastTheGate_AreRefusedResourceExhausted_AndCachedVerdictsStillPass()
    {
        await using var lab = await CoordinationLab.StartAsync(nodes: 1);
        var host = await lab.StartControllerAsync(configure: o => o.GrpcMaxAuthenticating = 1);
        var token = lab.SpeakerToken("node-1");
        Assert.True((await lab.GetStateAsync(host, token: token)).Leader, "the speaker's verdict is now cached");

        // Hold the only review slot: the API server answers TokenReviews only after a delay.
        lab.Server.Faults.ResponseDelay = TimeSpan.FromSeconds(3);
        var slow = lab.GetStateAsync(host, token: lab.SpeakerToken("node-1"));
        await Task.Delay(500);
        var refused = await Assert.ThrowsAsync<RpcException>(() => lab.GetStateAsync(host, token: "another-made-up-token"));
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.True((await lab.GetStateAsync(host, token: token)).Leader, "a cached verdict needs no slot");
        lab.Server.Faults.ResponseDelay = TimeSpan.Zero;
        Assert.True((await slow).Leader);
    }
}
