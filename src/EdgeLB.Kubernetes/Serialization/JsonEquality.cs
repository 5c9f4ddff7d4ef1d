using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeLB.Kubernetes.Serialization;

/// <summary>
/// Whether two model objects say the same on the wire: both are written as JSON and the bytes
/// compared, so every field counts, one added to the model later included. The bytes go to buffers
/// kept per thread, so a comparison (informers make one per field group per update, thousands a
/// second while Services are being written) leaves no garbage behind.
/// </summary>
public static class JsonEquality
{
    [ThreadStatic]
    private static Buffers? t_buffers;

    public static bool Same<T>(T? a, T? b, JsonTypeInfo<T> type)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(type);
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        if (a is null || b is null)
        {
            return false;
        }

        var buffers = t_buffers ??= new Buffers();
        try
        {
            return Buffers.Write(buffers.First, a, type).SequenceEqual(Buffers.Write(buffers.Second, b, type));
        }
        finally
        {
            buffers.Reset();
        }
    }

    private sealed class Buffers
    {
        // Above this a buffer is dropped after use rather than kept for the thread's lifetime.
        private const int KeepBytes = 64 * 1024;

        public ArrayBufferWriter<byte> First { get; private set; } = new(1024);

        public ArrayBufferWriter<byte> Second { get; private set; } = new(1024);

        public static ReadOnlySpan<byte> Write<T>(ArrayBufferWriter<byte> buffer, T value, JsonTypeInfo<T> type)
        {
            using (var writer = new Utf8JsonWriter(buffer))
            {
                JsonSerializer.Serialize(writer, value, type);
            }

            return buffer.WrittenSpan;
        }

        public void Reset()
        {
            First = Fresh(First);
            Second = Fresh(Second);
        }

        private static ArrayBufferWriter<byte> Fresh(ArrayBufferWriter<byte> buffer)
        {
            if (buffer.Capacity > KeepBytes)
            {
                return new ArrayBufferWriter<byte>(1024);
            }

            buffer.ResetWrittenCount();
            return buffer;
        }
    }
}
