using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace EdgeLB.Rpc.Server;

public static class RpcListenOptionsExtensions
{
    /// <summary>
    /// Makes a Kestrel endpoint speak HTTP/2 only. Without TLS this is h2c with prior knowledge (what
    /// gRPC clients do); Http1AndHttp2 without TLS would fall back to HTTP/1.1. With UseHttps the
    /// endpoint negotiates h2 by ALPN.
    /// </summary>
    public static ListenOptions UseRpcProtocols(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        listenOptions.Protocols = HttpProtocols.Http2;
        return listenOptions;
    }
}
