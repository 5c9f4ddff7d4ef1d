using EdgeLB.Rpc.Tests.Infrastructure;

namespace EdgeLB.Rpc.Tests;

/// <summary>Interop with @grpc/grpc-js (pure JavaScript HTTP/2): its client against our server, our client against its server.</summary>
public sealed class NodeInteropTests(NodeServerFixture nodeServer, NodeClientRunFixture nodeClient)
    : IClassFixture<NodeServerFixture>, IClassFixture<NodeClientRunFixture>
{
    [Theory]
    [MemberData(nameof(InteropScenarios.CommonData), MemberType = typeof(InteropScenarios))]
    public async Task OurClient_NodeServer_ScenarioPasses(string scenario)
    {
        using var channel = RpcChannel.Create(nodeServer.Peer.Address);
        await InteropScenarios.RunAsync(scenario, channel);
    }

    [Theory]
    [MemberData(nameof(InteropScenarios.WithHealthData), MemberType = typeof(InteropScenarios))]
    public void NodeClient_OurServer_ScenarioPasses(string scenario)
    {
        Assert.True(nodeClient.Results.TryGetValue(scenario, out var result), $"grpc-js client did not report '{scenario}'");
        Assert.True(result.Ok, result.Detail);
    }

    [Fact]
    public void NodeClient_OurServer_LeavesNoCallsOrErrors()
    {
        Assert.Equal(0, nodeClient.ActiveCallsAfterRun);
        Assert.Empty(nodeClient.Server.Log.Problems);
    }
}
