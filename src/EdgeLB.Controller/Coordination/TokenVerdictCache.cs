using System.Security.Cryptography;
using System.Text;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// What the API server said about a bearer token, kept for a short time so that a reconnect storm
/// (every speaker redialling a new leader at once) costs one review per token, not one per dial.
/// </summary>
/// <remarks>
/// Keys are SHA-256 digests, so the cache holds no usable token. Entries live <c>ttl</c>; past
/// <c>capacity</c> the expired entries go first and then, if still full, everything: a peer that
/// makes up tokens can only cost reviews, never memory. Only final verdicts are stored; "cannot
/// review now" is not.
/// </remarks>
internal sealed class TokenVerdictCache<T>(TimeSpan ttl, int capacity, TimeProvider time)
    where T : class
{
    private readonly Dictionary<string, (T Verdict, long At)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    public bool TryGet(string token, out T verdict)
    {
        var key = KeyOf(token);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var entry) && time.GetElapsedTime(entry.At) < ttl)
            {
                verdict = entry.Verdict;
                return true;
            }
        }

        verdict = null!;
        return false;
    }

    public void Add(string token, T verdict)
    {
        var key = KeyOf(token);
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_entries.Count >= capacity && !_entries.ContainsKey(key))
            {
                foreach (var stale in _entries.Where(e => time.GetElapsedTime(e.Value.At, now) >= ttl).Select(e => e.Key).ToList())
                {
                    _entries.Remove(stale);
                }

                if (_entries.Count >= capacity)
                {
                    _entries.Clear();
                }
            }

            _entries[key] = (verdict, now);
        }
    }

    private static string KeyOf(string token) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
