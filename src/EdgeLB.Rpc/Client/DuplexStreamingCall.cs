namespace EdgeLB.Rpc.Client;

/// <summary>A bidirectional call in progress. Dispose it to cancel it if it has not finished.</summary>
public sealed class DuplexStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal DuplexStreamingCall(IClientStreamWriter<TRequest> requestStream, IRpcStreamReader<TResponse> responseStream, IClientCall call)
    {
        RequestStream = requestStream;
        ResponseStream = responseStream;
        _call = call;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    public IRpcStreamReader<TResponse> ResponseStream { get; }

    public Task<Metadata> GetResponseHeadersAsync() => _call.GetResponseHeadersAsync();

    public RpcStatus GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
