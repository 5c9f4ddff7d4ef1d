using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace EdgeLB.Rpc.Server;

/// <summary>What a handler knows about its call besides the messages.</summary>
public sealed class ServerCallContext
{
    private Metadata? _requestHeaders;
    private int _maxReceiveMessageSize;

    internal ServerCallContext(HttpContext httpContext, string method, DateTimeOffset deadline, int maxReceiveMessageSize, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        CancellationToken = cancellationToken;
    }

    /// <summary>
    /// The largest request message the next read accepts, checked against each message's length
    /// prefix before its body is held (larger: RESOURCE_EXHAUSTED). Starts at the method's limit; a
    /// handler may change it between reads, e.g. to accept larger messages once the peer is known.
    /// </summary>
    public int MaxReceiveMessageSize
    {
        get => _maxReceiveMessageSize;
        set => _maxReceiveMessageSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A message size limit must be positive.");
    }

    /// <summary>The method's path, e.g. "/edgelb.v1.Coordinator/Session".</summary>
    public string Method { get; }

    /// <summary>When the client stops waiting; <see cref="DateTimeOffset.MaxValue"/> without grpc-timeout.</summary>
    public DateTimeOffset Deadline { get; }

    /// <summary>Cancelled when the client resets the stream, the connection drops or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>The underlying HTTP/2 request, for TLS and connection details.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The remote endpoint as "ip:port".</summary>
    public string Peer => $"{HttpContext.Connection.RemoteIpAddress}:{HttpContext.Connection.RemotePort}";

    /// <summary>Custom metadata sent by the client (HTTP/2 pseudo-headers and transport headers left out).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= BuildRequestHeaders(HttpContext.Request.Headers);

    /// <summary>Metadata sent with the status at the end of the call.</summary>
    public Metadata ResponseTrailers { get; } = new();

    /// <summary>The token of an "authorization: Bearer &lt;token&gt;" header, or null.</summary>
    public string? GetBearerToken()
    {
        const string Prefix = "Bearer ";
        string? value = HttpContext.Request.Headers.Authorization;
        if (value is null || !value.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value[Prefix.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    private static Metadata BuildRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers)
        {
            if (IsTransportHeader(key))
            {
                continue;
            }

            foreach (var value in (StringValues)values)
            {
                metadata.AddRaw(key.ToLowerInvariant(), value ?? string.Empty);
            }
        }

        return metadata;
    }

    private static bool IsTransportHeader(string key) =>
        key.StartsWith(':')
        || key.Equals("content-type", StringComparison.OrdinalIgnoreCase)
        || key.Equals("te", StringComparison.OrdinalIgnoreCase)
        || key.Equals("host", StringComparison.OrdinalIgnoreCase)
        || key.Equals("content-length", StringComparison.OrdinalIgnoreCase)
        || key.Equals("grpc-timeout", StringComparison.OrdinalIgnoreCase)
        || key.Equals("grpc-encoding", StringComparison.OrdinalIgnoreCase)
        || key.Equals("grpc-accept-encoding", StringComparison.OrdinalIgnoreCase);
}
