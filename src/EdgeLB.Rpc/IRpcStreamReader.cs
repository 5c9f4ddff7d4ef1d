namespace EdgeLB.Rpc;

/// <summary>Reads the messages of a stream one at a time.</summary>
public interface IRpcStreamReader<out T>
{
    /// <summary>The message read by the last successful <see cref="MoveNextAsync"/>.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false at the end of the stream. Throws <see cref="RpcException"/> on errors.</summary>
    ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default);
}
