namespace EdgeLB.Rpc.Server;

/// <summary>A service definition waiting for the container to build it.</summary>
internal sealed record RpcServiceRegistration(Func<IServiceProvider, RpcServiceDefinition> Factory);
