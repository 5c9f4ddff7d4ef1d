using EdgeLB.Rpc.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class RpcServiceCollectionExtensions
{
    /// <summary>Registers the gRPC server; add services with the returned builder and serve them with UseEdgeLbRpc.</summary>
    public static IRpcServerBuilder AddEdgeLbRpc(this IServiceCollection services, Action<RpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RpcServerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RpcServer(
            sp.GetServices<RpcServiceRegistration>().Select(r => r.Factory(sp)),
            sp.GetRequiredService<IOptions<RpcServerOptions>>().Value,
            sp.GetRequiredService<ILogger<RpcServer>>(),
            sp.GetRequiredService<TimeProvider>()));
        return new RpcServerBuilder(services);
    }
}
