using System.Buffers;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>
/// The bytes of a watch stream, cut into lines (one JSON event each) without decoding them. A line
/// ends at '\n' (a '\r' before it is dropped) or where the stream ends; empty lines are skipped.
/// The buffer comes from the shared pool and grows to the longest line seen.
/// </summary>
internal sealed class WatchLineBuffer : IDisposable
{
    private const int InitialSize = 64 * 1024;

    private int _start;
    private int _end;
    private int _scanned;
    private bool _ended;

    public byte[] Bytes { get; private set; } = ArrayPool<byte>.Shared.Rent(InitialSize);

    /// <summary>The next complete, non-empty line as a range of <see cref="Bytes"/>; false when none is buffered.</summary>
    public bool TryTake(out int start, out int length)
    {
        while (true)
        {
            var newline = Bytes.AsSpan(_scanned, _end - _scanned).IndexOf((byte)'\n');
            if (newline < 0)
            {
                _scanned = _end;
                start = length = 0;
                return false;
            }

            var lineEnd = _scanned + newline;
            start = _start;
            length = lineEnd - _start;
            _start = _scanned = lineEnd + 1;
            if (length > 0 && Bytes[start + length - 1] == (byte)'\r')
            {
                length--;
            }

            if (length > 0)
            {
                return true;
            }
        }
    }

    /// <summary>Reads more of the stream behind what is buffered; false once it has ended and nothing is left.</summary>
    public async ValueTask<bool> FillAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return false;
        }

        if (_start > 0)
        {
            // Keep the unfinished line only, at the front.
            Buffer.BlockCopy(Bytes, _start, Bytes, 0, _end - _start);
            _end -= _start;
            _scanned -= _start;
            _start = 0;
        }

        if (_end == Bytes.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Bytes.Length * 2);
            Buffer.BlockCopy(Bytes, 0, larger, 0, _end);
            ArrayPool<byte>.Shared.Return(Bytes);
            Bytes = larger;
        }

        var read = await stream.ReadAsync(Bytes.AsMemory(_end), cancellationToken);
        if (read > 0)
        {
            _end += read;
            return true;
        }

        _ended = true;
        if (_end == _start)
        {
            return false;
        }

        // The last line may lack its newline: end it, so TryTake hands it out like any other.
        // There is room, since the buffer was grown above whenever it was full.
        Bytes[_end++] = (byte)'\n';
        return true;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(Bytes);
        Bytes = [];
    }
}
