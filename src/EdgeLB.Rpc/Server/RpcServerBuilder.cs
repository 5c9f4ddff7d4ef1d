using Microsoft.Extensions.DependencyInjection;

namespace EdgeLB.Rpc.Server;

internal sealed class RpcServerBuilder(IServiceCollection services) : IRpcServerBuilder
{
    public IServiceCollection Services { get; } = services;

    public IRpcServerBuilder AddService(Func<IServiceProvider, RpcServiceDefinition> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.AddSingleton(new RpcServiceRegistration(factory));
        return this;
    }
}
