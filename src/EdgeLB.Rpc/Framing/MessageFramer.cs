using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace EdgeLB.Rpc.Framing;

/// <summary>
/// gRPC length-prefixed messages: a flag byte (0 = not compressed), a big-endian uint32 length, then
/// the protobuf bytes. HTTP/2 DATA frames do not line up with messages, so reading reassembles from
/// a <see cref="PipeReader"/>; writing serializes straight into the output pipe's pooled buffers.
/// </summary>
internal static class MessageFramer
{
    public const int HeaderSize = 5;

    public static void Write(IBufferWriter<byte> writer, IMessage message, int maxSize)
    {
        var size = message.CalculateSize();
        if (size > maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message of {size} bytes exceeds the limit of {maxSize} bytes.");
        }

        var header = writer.GetSpan(HeaderSize);
        header[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)size);
        writer.Advance(HeaderSize);
        if (size > 0)
        {
            message.WriteTo(writer);
        }
    }

    /// <summary>
    /// Takes one complete message off the front of <paramref name="buffer"/>. False when more bytes
    /// are needed. Throws <see cref="RpcException"/> as soon as the header shows the message cannot
    /// be accepted, without waiting for its body.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        switch (header[0])
        {
            case 0:
                break;
            case 1:
                // We never advertise or accept a grpc-encoding, so a compressed message is a
                // protocol violation by the peer (gRPC PROTOCOL-HTTP2.md: INTERNAL).
                throw new RpcException(StatusCode.Internal, "Received a compressed message but no grpc-encoding was negotiated.");
            default:
                throw new RpcException(StatusCode.Internal, $"Received a message with an invalid flag byte 0x{header[0]:X2}.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message of {length} bytes exceeds the limit of {maxSize} bytes.");
        }

        if (buffer.Length < HeaderSize + length)
        {
            return false;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(HeaderSize + length);
        return true;
    }

    /// <summary>Reads the next message, or null at a clean end of stream.</summary>
    public static async ValueTask<T?> ReadAsync<T>(PipeReader reader, MessageParser<T> parser, int maxSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            bool complete;
            ReadOnlySequence<byte> payload;
            try
            {
                complete = TryRead(ref buffer, maxSize, out payload);
            }
            catch
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (complete)
            {
                T message;
                try
                {
                    message = parser.ParseFrom(payload);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new RpcException(new RpcStatus(StatusCode.Internal, "Failed to parse the received message: " + ex.Message), innerException: ex);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }

                return message;
            }

            if (result.IsCompleted)
            {
                var leftover = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (leftover == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, $"The stream ended inside a message ({leftover} bytes of an incomplete message).");
            }

            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
