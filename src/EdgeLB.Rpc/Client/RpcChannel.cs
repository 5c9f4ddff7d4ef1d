using System.Collections.Concurrent;
using Google.Protobuf;

namespace EdgeLB.Rpc.Client;

/// <summary>
/// A connection pool to one gRPC server: HttpMessageInvoker over SocketsHttpHandler, HTTP/2 only
/// (prior knowledge for http://, ALPN for https://), more connections when one's streams run out,
/// keep-alive pings while calls are active. Thread-safe; share one per server.
/// </summary>
public sealed class RpcChannel : IDisposable
{
    internal const string UserAgent = "edgelb-rpc/1.0";

    private readonly Uri _address;
    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);

    private RpcChannel(Uri address, RpcChannelOptions options, HttpMessageInvoker invoker)
    {
        _address = address;
        Options = options;
        Invoker = invoker;
    }

    /// <summary>The server address calls go to.</summary>
    public Uri Address => _address;

    internal RpcChannelOptions Options { get; }

    internal HttpMessageInvoker Invoker { get; }

    /// <summary>Creates a channel to <paramref name="address"/> (http://host:port for h2c, https:// for TLS).</summary>
    public static RpcChannel Create(Uri address, RpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"Address '{address}' must be http:// or https://.", nameof(address));
        }

        options ??= new RpcChannelOptions();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = options.ConnectTimeout,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        if (options.SslOptions is not null)
        {
            handler.SslOptions = options.SslOptions;
        }

        return new RpcChannel(address, options, new HttpMessageInvoker(handler, disposeHandler: true));
    }

    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        using var call = new ClientCall<TRequest, TResponse>(this, CheckType(method, MethodType.Unary), options);
        call.Start(request);
        return await call.ReadSingleResponseAsync();
    }

    public ServerStreamingCall<TResponse> ServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(request);
        var call = new ClientCall<TRequest, TResponse>(this, CheckType(method, MethodType.ServerStreaming), options);
        call.Start(request);
        return new ServerStreamingCall<TResponse>(call, call);
    }

    public ClientStreamingCall<TRequest, TResponse> ClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(this, CheckType(method, MethodType.ClientStreaming), options);
        call.Start(null);
        var writer = CreateWriter(call);
        return new ClientStreamingCall<TRequest, TResponse>(writer, call.ReadSingleResponseAsync(), call);
    }

    public DuplexStreamingCall<TRequest, TResponse> DuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options = default)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        var call = new ClientCall<TRequest, TResponse>(this, CheckType(method, MethodType.DuplexStreaming), options);
        call.Start(null);
        return new DuplexStreamingCall<TRequest, TResponse>(CreateWriter(call), call, call);
    }

    public void Dispose() => Invoker.Dispose();

    internal Uri GetUri(string path) => _uris.GetOrAdd(path, static (p, a) => new Uri(a, p), _address);

    private static IClientStreamWriter<TRequest> CreateWriter<TRequest, TResponse>(ClientCall<TRequest, TResponse> call)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        call.RequestContent is { } content
            ? new ClientStreamWriter<TRequest, TResponse>(call, content)
            : new FailedStreamWriter<TRequest>(call.GetStatus());

    private static Method<TRequest, TResponse> CheckType<TRequest, TResponse>(Method<TRequest, TResponse> method, MethodType expected)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        return method.Type == expected
            ? method
            : throw new ArgumentException($"{method.Path} is a {method.Type} method, not {expected}.", nameof(method));
    }
}
