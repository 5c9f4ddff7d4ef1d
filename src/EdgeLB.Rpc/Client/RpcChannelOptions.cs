using System.Net.Security;
using EdgeLB.Rpc.Framing;

namespace EdgeLB.Rpc.Client;

/// <summary>Settings of a client channel.</summary>
public sealed class RpcChannelOptions
{
    /// <summary>Largest response message accepted; larger ones end the call with RESOURCE_EXHAUSTED.</summary>
    /// <remarks>Defaults to 4 MiB.</remarks>
    public int MaxReceiveMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>Largest request message sent; larger ones fail locally with RESOURCE_EXHAUSTED.</summary>
    /// <remarks>Defaults to 4 MiB.</remarks>
    public int MaxSendMessageSize { get; set; } = GrpcProtocol.DefaultMaxMessageSize;

    /// <summary>
    /// Idle time before an HTTP/2 PING checks that the connection is alive, while calls are active.
    /// gRPC servers penalise frequent pings (grpcio: one per 5 minutes without data), so keep it long.
    /// </summary>
    /// <remarks>Defaults to 60 seconds.</remarks>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for a PING's answer before dropping the connection.</summary>
    /// <remarks>Defaults to 20 seconds.</remarks>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>TCP (and TLS) connect timeout.</summary>
    /// <remarks>Defaults to 10 seconds.</remarks>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>TLS settings for https:// addresses (trusted roots, client certificate); null for the defaults.</summary>
    /// <remarks>Defaults to null.</remarks>
    public SslClientAuthenticationOptions? SslOptions { get; set; }

    /// <summary>Clock for deadlines.</summary>
    /// <remarks>Defaults to <see cref="TimeProvider.System"/>.</remarks>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
