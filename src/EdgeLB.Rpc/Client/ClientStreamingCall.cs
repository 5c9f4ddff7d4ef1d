namespace EdgeLB.Rpc.Client;

/// <summary>A client-streaming call in progress. Dispose it to cancel it if it has not finished.</summary>
public sealed class ClientStreamingCall<TRequest, TResponse> : IDisposable
{
    private readonly IClientCall _call;

    internal ClientStreamingCall(IClientStreamWriter<TRequest> requestStream, Task<TResponse> responseAsync, IClientCall call)
    {
        RequestStream = requestStream;
        ResponseAsync = responseAsync;
        _call = call;
    }

    public IClientStreamWriter<TRequest> RequestStream { get; }

    /// <summary>Completes with the response after the server finishes, or fails with <see cref="RpcException"/>.</summary>
    public Task<TResponse> ResponseAsync { get; }

    public Task<Metadata> GetResponseHeadersAsync() => _call.GetResponseHeadersAsync();

    public RpcStatus GetStatus() => _call.GetStatus();

    public Metadata GetTrailers() => _call.GetTrailers();

    public void Dispose() => _call.Dispose();
}
