namespace EdgeLB.Rpc.Client;

/// <summary>The status side of a client call, shared by the typed call wrappers.</summary>
internal interface IClientCall : IDisposable
{
    RpcStatus GetStatus();

    Metadata GetTrailers();

    Task<Metadata> GetResponseHeadersAsync();
}
