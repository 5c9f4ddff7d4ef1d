using System.Net;

namespace EdgeLB.Rpc.Client;

/// <summary>How transport failures become statuses (gRPC http-grpc-status-mapping.md and PROTOCOL-HTTP2.md).</summary>
internal static class StatusMapping
{
    public static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    public static StatusCode FromHttp2ErrorCode(long errorCode) => errorCode switch
    {
        0x7 => StatusCode.Unavailable, // REFUSED_STREAM: never processed, safe to retry
        0x8 => StatusCode.Cancelled, // CANCEL
        0xB => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
        0xC => StatusCode.PermissionDenied, // INADEQUATE_SECURITY
        _ => StatusCode.Internal,
    };
}
