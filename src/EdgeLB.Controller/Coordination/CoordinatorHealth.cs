using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Health;
using EdgeLB.Rpc.Health.V1;
using EdgeLB.Rpc.Server;
using ServingStatus = EdgeLB.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// grpc.health.v1.Health Check on the coordinator port, for Kubernetes <c>grpc:</c> probes
/// (deploy/controller.yaml): <c>""</c> is SERVING while the server runs; <c>edgelb.v1.Coordinator</c>
/// is SERVING only while the readiness callback holds (leading, addresses re-learned, coordinating:
/// the /readyz condition), so the edgelb-controller Service fronts the leader alone. The answer is
/// computed per call rather than pushed, so it can never lag the state it reports; Watch is not
/// served (kubelet only calls Check).
/// </summary>
internal static class CoordinatorHealth
{
    public static RpcServiceDefinition Create(Func<bool> ready) =>
        RpcServiceDefinition.CreateBuilder()
            .AddUnary(HealthMethods.Check, (request, _) => request.Service switch
            {
                "" => Answer(ServingStatus.Serving),
                CoordinatorMethods.ServiceName => Answer(ready() ? ServingStatus.Serving : ServingStatus.NotServing),
                _ => throw new RpcException(StatusCode.NotFound, $"no health status for service \"{request.Service}\""),
            })
            .Build();

    private static Task<HealthCheckResponse> Answer(ServingStatus status) =>
        Task.FromResult(new HealthCheckResponse { Status = status });
}
