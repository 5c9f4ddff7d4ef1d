using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Health;
using EdgeLB.Rpc.Health.V1;
using ServingStatus = EdgeLB.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>
/// What the Kubernetes gRPC readiness probe of deploy/controller.yaml sees on the coordinator port:
/// only the ready leader reports the Coordinator service SERVING.
/// </summary>
public sealed class HealthProbeTests
{
    private static async Task<ServingStatus> CheckAsync(string address, string service)
    {
        using var channel = RpcChannel.Create(new Uri("http://" + address));
        var reply = await channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = service }, CallOptions.FromTimeout(TimeSpan.FromSeconds(10)));
        return reply.Status;
    }

    [Fact]
    public async Task CoordinatorService_IsServingOnTheLeaderOnly_AndFollowsLeadership()
    {
        await using var lab = await ControllerFixture.StartAsync();
        var a = await lab.StartControllerAsync("controller-a");
        var b = await lab.StartControllerAsync("controller-b", waitUntilLeading: false);
        await Eventually.TrueAsync(() => Task.FromResult(!string.IsNullOrEmpty(b.CoordinatorAddress)), "b's gRPC server is up");
        Assert.Equal(ServingStatus.Serving, await CheckAsync(b.CoordinatorAddress, ""));

        Assert.Equal(ServingStatus.Serving, await CheckAsync(a.CoordinatorAddress, CoordinatorMethods.ServiceName));
        Assert.Equal(ServingStatus.NotServing, await CheckAsync(b.CoordinatorAddress, CoordinatorMethods.ServiceName));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => CheckAsync(a.CoordinatorAddress, "no.such.Service"));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        await lab.StopControllerAsync(a);
        await Eventually.TrueAsync(async () => await CheckAsync(b.CoordinatorAddress, CoordinatorMethods.ServiceName) == ServingStatus.Serving, "b reports SERVING once it leads");
        Assert.True(b.IsReady);
    }
}
