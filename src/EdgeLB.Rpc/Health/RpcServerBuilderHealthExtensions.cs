using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeLB.Rpc.Health;

public static class RpcServerBuilderHealthExtensions
{
    /// <summary>Serves grpc.health.v1.Health backed by the container's <see cref="HealthService"/> singleton.</summary>
    public static Server.IRpcServerBuilder AddHealthService(this Server.IRpcServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<HealthService>();
        return builder.AddService(sp => sp.GetRequiredService<HealthService>().CreateDefinition());
    }
}
