using System.Text;

namespace EdgeLB.Core.Election;

/// <summary>
/// A 64-bit hash that is the same in every process and every version (unlike string.GetHashCode),
/// so every controller replica elects the same node. FNV-1a over UTF-8, finished with SplitMix64's
/// mixer so that similar names ("node-1", "node-2") land far apart.
/// </summary>
internal static class StableHash
{
    public static ulong Of(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = 14695981039346656037UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return Mix(hash);
    }

    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
