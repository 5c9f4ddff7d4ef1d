using EdgeLB.Rpc.Framing;

namespace EdgeLB.Rpc.Server;

/// <summary>Limits of the server side.</summary>
public sealed class RpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    /// <remarks>Defaults to 4 MiB.</remarks>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest response message sent; a handler returning a larger one ends the call with RESOURCE_EXHAUSTED.</summary>
    /// <remarks>Defaults to 4 MiB.</remarks>
    public int MaxSendMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Upper bound on any call's deadline, whatever grpc-timeout the client sent; null for none.</summary>
    /// <remarks>Defaults to null.</remarks>
    public TimeSpan? MaxDeadline { get; set; }
}
