namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>Our server, shared by the tests of one class.</summary>
public sealed class OurServerFixture : IAsyncLifetime
{
    internal RpcTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RpcTestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>A peer's server process, shared by the tests of one class.</summary>
public abstract class PeerServerFixture : IAsyncLifetime
{
    internal PeerProcess Peer { get; private set; } = null!;

    public async Task InitializeAsync() => Peer = await StartAsync();

    public async Task DisposeAsync() => await Peer.DisposeAsync();

    internal abstract Task<PeerProcess> StartAsync();
}

public sealed class PythonServerFixture : PeerServerFixture
{
    internal override Task<PeerProcess> StartAsync() => PeerProcess.StartAsync(Peers.Python, Peers.PythonArgs("server"));
}

public sealed class NodeServerFixture : PeerServerFixture
{
    internal override Task<PeerProcess> StartAsync()
    {
        Peers.RequireNode();
        return PeerProcess.StartAsync(Peers.Node, Peers.NodeArgs("server"), Peers.NodeEnvironment);
    }
}

/// <summary>Runs a peer's client once against a fresh server of ours and keeps its per-scenario results.</summary>
public abstract class PeerClientRunFixture : IAsyncLifetime
{
    internal IReadOnlyDictionary<string, PeerResult> Results { get; private set; } = null!;

    internal RpcTestServer Server { get; private set; } = null!;

    /// <summary>Calls still active on our server shortly after the peer finished (should be 0).</summary>
    internal long ActiveCallsAfterRun { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await RpcTestServer.StartAsync();
        Results = await RunAsync(Server.Address);
        ActiveCallsAfterRun = await Server.WaitForIdleAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    internal abstract Task<IReadOnlyDictionary<string, PeerResult>> RunAsync(Uri address);
}

public sealed class PythonClientRunFixture : PeerClientRunFixture
{
    internal override Task<IReadOnlyDictionary<string, PeerResult>> RunAsync(Uri address) =>
        Peers.RunClientAsync(Peers.Python, Peers.PythonArgs("client", "--target", $"127.0.0.1:{address.Port}", "--health"));
}

public sealed class NodeClientRunFixture : PeerClientRunFixture
{
    internal override Task<IReadOnlyDictionary<string, PeerResult>> RunAsync(Uri address)
    {
        Peers.RequireNode();
        return Peers.RunClientAsync(Peers.Node, Peers.NodeArgs("client", "--target", $"127.0.0.1:{address.Port}", "--health"), Peers.NodeEnvironment);
    }
}
