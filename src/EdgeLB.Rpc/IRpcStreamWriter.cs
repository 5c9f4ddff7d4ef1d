namespace EdgeLB.Rpc;

/// <summary>Writes the messages of a stream. One write at a time; await each before the next.</summary>
public interface IRpcStreamWriter<in T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
