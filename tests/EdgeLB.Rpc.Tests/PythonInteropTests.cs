using EdgeLB.Rpc.Tests.Infrastructure;

namespace EdgeLB.Rpc.Tests;

/// <summary>Interop with Debian's python3-grpcio (C-core): its client against our server, our client against its server.</summary>
public sealed class PythonInteropTests(PythonServerFixture pythonServer, PythonClientRunFixture pythonClient)
    : IClassFixture<PythonServerFixture>, IClassFixture<PythonClientRunFixture>
{
    [Theory]
    [MemberData(nameof(InteropScenarios.CommonData), MemberType = typeof(InteropScenarios))]
    public async Task OurClient_PythonServer_ScenarioPasses(string scenario)
    {
        using var channel = RpcChannel.Create(pythonServer.Peer.Address);
        await InteropScenarios.RunAsync(scenario, channel);
    }

    [Theory]
    [MemberData(nameof(InteropScenarios.WithHealthData), MemberType = typeof(InteropScenarios))]
    public void PythonClient_OurServer_ScenarioPasses(string scenario)
    {
        Assert.True(pythonClient.Results.TryGetValue(scenario, out var result), $"grpcio client did not report '{scenario}'");
        Assert.True(result.Ok, result.Detail);
    }

    [Fact]
    public void PythonClient_OurServer_LeavesNoCallsOrErrors()
    {
        Assert.Equal(0, pythonClient.ActiveCallsAfterRun);
        Assert.Empty(pythonClient.Server.Log.Problems);
    }
}
