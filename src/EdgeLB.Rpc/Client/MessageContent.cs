using System.Buffers;
using System.Net;
using EdgeLB.Rpc.Framing;
using Google.Protobuf;

namespace EdgeLB.Rpc.Client;

/// <summary>
/// The body of a unary or server-streaming request: one framed message, serialized up front into a
/// pooled buffer so size errors surface before anything is sent and the length is known.
/// </summary>
internal sealed class MessageContent : HttpContent
{
    private byte[]? _buffer;
    private readonly int _length;

    public MessageContent(IMessage message, int maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the limit of {maxSize} bytes.");
        }

        _length = MessageFramer.HeaderSize + size;
        _buffer = ArrayPool<byte>.Shared.Rent(_length);
        var writer = new SpanWriter(_buffer);
        MessageFramer.Write(writer, message, maxSize);
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var buffer = _buffer ?? throw new ObjectDisposedException(nameof(MessageContent));
        return stream.WriteAsync(buffer.AsMemory(0, _length), cancellationToken).AsTask();
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        base.Dispose(disposing);
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> over a buffer already large enough.</summary>
    private sealed class SpanWriter(byte[] buffer) : IBufferWriter<byte>
    {
        private int _position;

        public void Advance(int count) => _position += count;

        public Memory<byte> GetMemory(int sizeHint = 0) => buffer.AsMemory(_position);

        public Span<byte> GetSpan(int sizeHint = 0) => buffer.AsSpan(_position);
    }
}
