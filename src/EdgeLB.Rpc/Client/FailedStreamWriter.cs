namespace EdgeLB.Rpc.Client;

/// <summary>The request stream of a call that failed before it started (e.g. its deadline had passed).</summary>
internal sealed class FailedStreamWriter<T>(RpcStatus status) : IClientStreamWriter<T>
{
    public Task WriteAsync(T message, CancellationToken cancellationToken = default) => Task.FromException(new RpcException(status));

    public Task CompleteAsync() => Task.CompletedTask;
}
