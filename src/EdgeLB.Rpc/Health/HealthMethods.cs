using EdgeLB.Rpc.Health.V1;

namespace EdgeLB.Rpc.Health;

/// <summary>Method descriptors of the standard grpc.health.v1.Health service.</summary>
public static class HealthMethods
{
    public const string ServiceName = "grpc.health.v1.Health";

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check =
        new(MethodType.Unary, ServiceName, "Check", HealthCheckRequest.Parser, HealthCheckResponse.Parser);

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Watch =
        new(MethodType.ServerStreaming, ServiceName, "Watch", HealthCheckRequest.Parser, HealthCheckResponse.Parser);
}
