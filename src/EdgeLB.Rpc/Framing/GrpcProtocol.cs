namespace EdgeLB.Rpc.Framing;

/// <summary>Names and values from gRPC's PROTOCOL-HTTP2.md.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string TeHeader = "te";
    public const string Trailers = "trailers";
    public const string Identity = "identity";

    /// <summary>HTTP/2 RST_STREAM error codes used by gRPC.</summary>
    public const int Http2NoError = 0x0;
    public const int Http2RefusedStream = 0x7;
    public const int Http2Cancel = 0x8;

    /// <summary>4 MiB, the default receive limit of the common gRPC implementations.</summary>
    public const int DefaultMaxMessageSize = 4 * 1024 * 1024;

    /// <summary>
    /// True for application/grpc and application/grpc+proto, with or without parameters. Other
    /// subtypes (e.g. +json) use codecs we do not have.
    /// </summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        var semicolon = rest.IndexOf(';');
        if (semicolon >= 0)
        {
            rest = rest[..semicolon];
        }

        rest = rest.Trim();
        return rest.IsEmpty || rest.Equals("+proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True for any application/grpc* content type (the request means to speak gRPC).</summary>
    public static bool LooksLikeGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase);
}
