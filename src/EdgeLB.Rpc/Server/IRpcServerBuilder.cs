using Microsoft.Extensions.DependencyInjection;

namespace EdgeLB.Rpc.Server;

/// <summary>Adds services to the RPC server registered by AddEdgeLbRpc.</summary>
public interface IRpcServerBuilder
{
    IServiceCollection Services { get; }

    /// <summary>Serves the methods of a service definition built from the container.</summary>
    IRpcServerBuilder AddService(Func<IServiceProvider, RpcServiceDefinition> factory);
}
