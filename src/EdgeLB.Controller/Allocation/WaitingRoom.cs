using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;

namespace EdgeLB.Controller.Allocation;

/// <summary>
/// Services refused an address, indexed by what could let them through, so a change wakes only
/// the Services it can help: a freed address wakes the longest-waiting Service that could take it
/// (same pool, same family), one per address; a change among the holders of an address wakes those
/// waiting for that address; an address taken under a sharing key wakes those with that key.
/// </summary>
/// <remarks>
/// A woken Service carries a token for the pool family it was woken for. If the address is still
/// free after its turn (it asked for something else meanwhile, or was deleted), the token passes to
/// the next Service that waited since before the address was freed, so no free address is left
/// while someone who could take it waits, and no Service is tried twice for one address.
/// Not thread-safe: the reconciler uses it under its lock.
/// </remarks>
internal sealed class WaitingRoom
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<PoolFamily, SortedSet<(long Since, string Key)>> _byPool = [];
    private readonly Dictionary<IPValue, HashSet<string>> _byAddress = [];
    private readonly Dictionary<string, HashSet<string>> _bySharingKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Token>> _woken = new(StringComparer.Ordinal);
    private long _clock;

    public int Count => _entries.Count;

    public IEnumerable<string> Keys => _entries.Keys;

    public bool Contains(string key) => _entries.ContainsKey(key);

    /// <summary>The Service waits (again) for <paramref name="wait"/>; it queues behind everyone already waiting.</summary>
    public void Wait(string key, AllocationWait? wait)
    {
        Leave(key);
        var entry = new Entry(++_clock, wait ?? Nothing);
        _entries[key] = entry;
        foreach (var where in entry.Wait.Pools)
        {
            Index(_byPool, where, () => new SortedSet<(long, string)>(Order)).Add((entry.Since, key));
        }

        foreach (var address in entry.Wait.Addresses)
        {
            Index(_byAddress, address, () => new HashSet<string>(StringComparer.Ordinal)).Add(key);
        }

        if (entry.Wait.SharingKey is { } sharingKey)
        {
            Index(_bySharingKey, sharingKey, () => new HashSet<string>(StringComparer.Ordinal)).Add(key);
        }
    }

    /// <summary>The Service no longer waits (it got its addresses, or it is gone).</summary>
    public void Leave(string key)
    {
        if (!_entries.Remove(key, out var entry))
        {
            return;
        }

        foreach (var where in entry.Wait.Pools)
        {
            Unindex(_byPool, where, set => set.Remove((entry.Since, key)), set => set.Count == 0);
        }

        foreach (var address in entry.Wait.Addresses)
        {
            Unindex(_byAddress, address, set => set.Remove(key), set => set.Count == 0);
        }

        if (entry.Wait.SharingKey is { } sharingKey)
        {
            Unindex(_bySharingKey, sharingKey, set => set.Remove(key), set => set.Count == 0);
        }
    }

    /// <summary>Forgets everyone (a new term starts from the API's state).</summary>
    public void Clear()
    {
        _entries.Clear();
        _byPool.Clear();
        _byAddress.Clear();
        _bySharingKey.Clear();
        _woken.Clear();
    }

    /// <summary>The Services <paramref name="changes"/> can help, each once.</summary>
    public IReadOnlyCollection<string> Wake(AllocationChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var wake = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (where, count) in changes.Freed)
        {
            for (var i = 0; i < count && Next(where, _clock) is { } key; i++)
            {
                Woken(key, new Token(where, _clock));
                wake.Add(key);
            }
        }

        foreach (var address in changes.Touched)
        {
            if (_byAddress.TryGetValue(address, out var keys))
            {
                wake.UnionWith(keys);
            }
        }

        foreach (var sharingKey in changes.SharingKeys)
        {
            if (_bySharingKey.TryGetValue(sharingKey, out var keys))
            {
                wake.UnionWith(keys);
            }
        }

        return wake;
    }

    /// <summary>The Service's turn begins: takes the tokens it was woken with, to hand on with <see cref="PassOn"/>.</summary>
    public IReadOnlyList<(PoolFamily Where, long Since)> Begin(string key) =>
        _woken.Remove(key, out var tokens) ? [.. tokens.Select(t => (t.Where, t.Since))] : [];

    /// <summary>
    /// After a turn: each token whose pool family still has a free address goes to the next Service
    /// that has waited there since before the token was issued. Returns the Services to wake.
    /// </summary>
    public IReadOnlyCollection<string> PassOn(IReadOnlyList<(PoolFamily Where, long Since)> tokens, Func<PoolFamily, bool> hasFree)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(hasFree);
        var wake = new List<string>();
        foreach (var (where, since) in tokens)
        {
            if (hasFree(where) && Next(where, since) is { } key)
            {
                Woken(key, new Token(where, since));
                wake.Add(key);
            }
        }

        return wake;
    }

    /// <summary>The longest-waiting Service at <paramref name="where"/> that waits since <paramref name="since"/> or before and holds no token yet.</summary>
    private string? Next(PoolFamily where, long since)
    {
        if (!_byPool.TryGetValue(where, out var queue))
        {
            return null;
        }

        foreach (var (entered, key) in queue)
        {
            if (entered > since)
            {
                return null;
            }

            if (!_woken.ContainsKey(key))
            {
                return key;
            }
        }

        return null;
    }

    private void Woken(string key, Token token)
    {
        if (!_woken.TryGetValue(key, out var tokens))
        {
            _woken[key] = tokens = [];
        }

        tokens.Add(token);
    }

    private static TSet Index<TKey, TSet>(Dictionary<TKey, TSet> index, TKey key, Func<TSet> create)
        where TKey : notnull
    {
        if (!index.TryGetValue(key, out var set))
        {
            index[key] = set = create();
        }

        return set;
    }

    private static void Unindex<TKey, TSet>(Dictionary<TKey, TSet> index, TKey key, Action<TSet> remove, Func<TSet, bool> isEmpty)
        where TKey : notnull
    {
        if (index.TryGetValue(key, out var set))
        {
            remove(set);
            if (isEmpty(set))
            {
                index.Remove(key);
            }
        }
    }

    private static readonly AllocationWait Nothing = new();

    private static readonly Comparer<(long Since, string Key)> Order = Comparer<(long Since, string Key)>.Create(
        (a, b) => a.Since != b.Since ? a.Since.CompareTo(b.Since) : string.CompareOrdinal(a.Key, b.Key));

    private sealed record Entry(long Since, AllocationWait Wait);

    private sealed record Token(PoolFamily Where, long Since);
}
