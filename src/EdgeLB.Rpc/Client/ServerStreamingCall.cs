namespace EdgeLB.Rpc.Client;

/// <summary>A server-streaming call in progress. Dispose it to cancel it if it has not finished.</summary>
public sealed class ServerStreamingCall<TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal ServerStreamingCall(IRpcStreamReader<TResponse> responseStream, IClientCall call)
    {
        ResponseStream = responseStream;
        _call = call;
    }

    public IRpcStreamReader<TResponse> ResponseStream { get; }

    /// <summary>Waits for the response headers (metadata the server sent before any message).</summary>
    public Task<Metadata> GetResponseHeadersAsync() => _call.GetResponseHeadersAsync();

    /// <summary>The final status; only after the response stream ended.</summary>
    public RpcStatus GetStatus() => _call.GetStatus();

    /// <summary>The trailing metadata; only after the response stream ended.</summary>
    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
