using System.Collections.Frozen;
using EdgeLB.Rpc.Framing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Rpc.Server;

/// <summary>
/// Dispatches HTTP/2 requests to the method table: validates what gRPC requires of a request,
/// answers what it cannot serve with the right status, and counts the calls in flight.
/// </summary>
internal sealed class RpcServer
{
    private readonly FrozenDictionary<string, IServerMethod> _methods;
    private long _activeCalls;
    private long _totalCalls;

    public RpcServer(IEnumerable<RpcServiceDefinition> services, RpcServerOptions options, ILogger<RpcServer> logger, TimeProvider timeProvider)
    {
        var methods = new Dictionary<string, IServerMethod>(StringComparer.Ordinal);
        foreach (var method in services.SelectMany(s => s.Methods))
        {
            if (!methods.TryAdd(method.Path, method))
            {
                throw new InvalidOperationException($"Method {method.Path} is registered twice.");
            }
        }

        if (options.MaxReceiveMessageSize <= 0 || options.MaxSendMessageSize <= 0)
        {
            throw new ArgumentException("Message size limits must be positive.", nameof(options));
        }

        _methods = methods.ToFrozenDictionary(StringComparer.Ordinal);
        Options = options;
        Logger = logger;
        TimeProvider = timeProvider;
    }

    public RpcServerOptions Options { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    /// <summary>Calls dispatched to a handler and not yet finished.</summary>
    public long ActiveCalls => Interlocked.Read(ref _activeCalls);

    /// <summary>Total calls dispatched to a handler since start.</summary>
    public long TotalCalls => Interlocked.Read(ref _totalCalls);

    public IEnumerable<string> Paths => _methods.Keys;

    public Task HandleAsync(HttpContext http, RequestDelegate next)
    {
        var request = http.Request;
        _methods.TryGetValue(request.Path.Value ?? string.Empty, out var method);
        if (method is null && !GrpcProtocol.LooksLikeGrpc(request.ContentType))
        {
            // Not ours: leave room for other endpoints (health pages, metrics) in the same app.
            return next(http);
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            return Reject(http, StatusCodes.Status426UpgradeRequired, StatusCode.Internal, $"Request protocol '{request.Protocol}' is not supported; gRPC needs HTTP/2.");
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            return Reject(http, StatusCodes.Status405MethodNotAllowed, StatusCode.Internal, $"Request method '{request.Method}' is not supported; gRPC needs POST.");
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            return Reject(http, StatusCodes.Status415UnsupportedMediaType, StatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported.");
        }

        if (!string.Equals(request.Headers[GrpcProtocol.TeHeader], GrpcProtocol.Trailers, StringComparison.OrdinalIgnoreCase))
        {
            return Reject(http, StatusCodes.Status200OK, StatusCode.Internal, "The request lacks 'te: trailers'.");
        }

        string? encoding = request.Headers[GrpcProtocol.EncodingHeader];
        if (encoding is not null && !string.Equals(encoding, GrpcProtocol.Identity, StringComparison.Ordinal))
        {
            http.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.Identity;
            return Reject(http, StatusCodes.Status200OK, StatusCode.Unimplemented, $"Message encoding '{encoding}' is not supported.");
        }

        if (method is null)
        {
            return Reject(http, StatusCodes.Status200OK, StatusCode.Unimplemented, $"Method '{request.Path.Value}' is not implemented.");
        }

        TimeSpan? timeout = null;
        string? timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeoutHeader is not null)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                return Reject(http, StatusCodes.Status200OK, StatusCode.Internal, $"Malformed grpc-timeout '{timeoutHeader}'.");
            }

            timeout = parsed;
        }

        if (Options.MaxDeadline is { } max && (timeout is null || timeout > max))
        {
            timeout = max;
        }

        // Streams stay open for as long as the peers like; our own message limit replaces Kestrel's body limits.
        var maxBody = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (maxBody is { IsReadOnly: false })
        {
            maxBody.MaxRequestBodySize = null;
        }

        var minRate = http.Features.Get<IHttpMinRequestBodyDataRateFeature>();
        if (minRate is not null)
        {
            minRate.MinDataRate = null;
        }

        return RunAsync(method, http, timeout);
    }

    private async Task RunAsync(IServerMethod method, HttpContext http, TimeSpan? timeout)
    {
        Interlocked.Increment(ref _activeCalls);
        Interlocked.Increment(ref _totalCalls);
        try
        {
            await method.HandleAsync(http, this, timeout);
        }
        finally
        {
            Interlocked.Decrement(ref _activeCalls);
        }
    }

    private Task Reject(HttpContext http, int httpStatus, StatusCode code, string detail)
    {
        RpcServerLog.Rejected(Logger, http.Request.Path.Value ?? string.Empty, code, detail);
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = StatusStrings.Get(code);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(detail);
        return Task.CompletedTask;
    }
}
