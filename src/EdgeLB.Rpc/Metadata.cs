using System.Collections;

namespace EdgeLB.Rpc;

/// <summary>
/// gRPC metadata: ordered key/value pairs carried as HTTP/2 headers or trailers. Keys are lower-case
/// ASCII; keys ending in "-bin" carry binary values, base64-encoded on the wire.
/// </summary>
public sealed class Metadata : IEnumerable<KeyValuePair<string, string>>
{
    public const string BinarySuffix = "-bin";

    private readonly List<KeyValuePair<string, string>> _entries = [];

    public int Count => _entries.Count;

    /// <summary>Adds a text value. Binary ("-bin") keys need <see cref="AddBinary"/>.</summary>
    public void Add(string key, string value)
    {
        var normalized = NormalizeKey(key);
        if (IsBinaryKey(normalized))
        {
            throw new ArgumentException($"metadata key '{key}' is binary; use AddBinary", nameof(key));
        }

        _entries.Add(new(normalized, value));
    }

    /// <summary>Adds a binary value under a key that ends in "-bin".</summary>
    public void AddBinary(string key, ReadOnlySpan<byte> value)
    {
        var normalized = NormalizeKey(key);
        if (!IsBinaryKey(normalized))
        {
            throw new ArgumentException($"binary metadata key '{key}' must end in -bin", nameof(key));
        }

        _entries.Add(new(normalized, Convert.ToBase64String(value)));
    }

    /// <summary>The first value of a key, or null. For "-bin" keys this is the base64 text.</summary>
    public string? Get(string key)
    {
        foreach (var entry in _entries)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Value;
            }
        }

        return null;
    }

    /// <summary>The first binary value of a "-bin" key, or null.</summary>
    public byte[]? GetBinary(string key)
    {
        var text = Get(key);
        return text is null ? null : DecodeBase64(text);
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Adds a value received on the wire without re-validating it (keys come lower-case from HTTP/2).</summary>
    internal void AddRaw(string key, string value) => _entries.Add(new(key, value));

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        foreach (var c in key)
        {
            var ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.';
            if (!ok)
            {
                throw new ArgumentException($"metadata key '{key}' has a character other than a-z 0-9 - _ .", nameof(key));
            }
        }

        return key.ToLowerInvariant();
    }

    private static byte[] DecodeBase64(string text)
    {
        // Senders may leave out the padding (gRPC PROTOCOL-HTTP2.md allows either).
        var padded = (text.Length % 4) switch
        {
            2 => text + "==",
            3 => text + "=",
            _ => text,
        };
        return Convert.FromBase64String(padded);
    }
}
