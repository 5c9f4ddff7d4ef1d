using System.Runtime.CompilerServices;

namespace EdgeLB.Rpc;

public static class RpcStreamReaderExtensions
{
    /// <summary>Enumerates the rest of a stream with await foreach.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IRpcStreamReader<T> reader, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNextAsync(cancellationToken))
        {
            yield return reader.Current;
        }
    }
}
