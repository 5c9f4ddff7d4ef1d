using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Serialization;

/// <summary>
/// Reads short JSON strings into one shared instance per value. An informer holds thousands of
/// objects whose fields repeat the same few values (type LoadBalancer, protocol TCP, family IPv4,
/// policy Cluster, the namespace name, …); sharing them saves a string per field per object, and
/// the allocation. The pool keeps the first values it sees up to a fixed size, so unique values
/// (names, resourceVersions) cannot grow it without bound.
/// </summary>
internal sealed class SharedStringConverter : JsonConverter<string>
{
    private const int MaxLength = 24;
    private const int Capacity = 4096;

    private static readonly ConcurrentDictionary<string, string> Pool = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> Lookup = Pool.GetAlternateLookup<ReadOnlySpan<char>>();
    private static int _size;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Shared(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Shared(ref reader)!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value);
    }

    private static string? Shared(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > MaxLength)
        {
            return reader.GetString();
        }

        Span<char> chars = stackalloc char[MaxLength];
        if (!Encoding.UTF8.TryGetChars(reader.ValueSpan, chars, out var length))
        {
            return reader.GetString();
        }

        if (Lookup.TryGetValue(chars[..length], out var shared))
        {
            return shared;
        }

        var text = new string(chars[..length]);

        // A counter of our own: ConcurrentDictionary.Count takes every lock, on each miss.
        if (Volatile.Read(ref _size) < Capacity && Pool.TryAdd(text, text))
        {
            Interlocked.Increment(ref _size);
        }

        return text;
    }
}
