using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Informers;

/// <summary>
/// An informer's view of the server: objects by <c>namespace/name</c> key (just <c>name</c> when
/// cluster-scoped), plus custom indexes. Reads are thread-safe snapshots.
/// </summary>
public sealed class InformerCache<T>
    where T : class, IKubernetesObject
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indexes = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index; must be called before the informer runs.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> indexer)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(indexer);
        lock (_gate)
        {
            if (_items.Count > 0)
            {
                throw new InvalidOperationException("indexers must be added before the cache holds objects");
            }

            _indexers.Add(name, indexer);
            _indexes[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        }
    }

    public T? Get(string key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public T? Get(string? @namespace, string name) => Get(ObjectKey.Of(@namespace, name));

    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<string> Keys()
    {
        lock (_gate)
        {
            return [.. _items.Keys];
        }
    }

    /// <summary>Objects whose indexer named <paramref name="indexName"/> yields <paramref name="value"/>.</summary>
    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_gate)
        {
            if (!_indexes.TryGetValue(indexName, out var index))
            {
                throw new ArgumentException($"no index named {indexName}", nameof(indexName));
            }

            return index.TryGetValue(value, out var keys) ? [.. keys.Select(k => _items[k])] : [];
        }
    }

    /// <summary>Inserts or replaces; returns the previous object.</summary>
    internal T? Upsert(string key, T obj)
    {
        lock (_gate)
        {
            _items.TryGetValue(key, out var old);
            if (old is not null)
            {
                Unindex(key, old);
            }

            _items[key] = obj;
            Index(key, obj);
            return old;
        }
    }

    internal T? Remove(string key)
    {
        lock (_gate)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            Unindex(key, old);
            return old;
        }
    }

    private void Index(string key, T obj)
    {
        foreach (var (name, indexer) in _indexers)
        {
            var index = _indexes[name];
            foreach (var value in indexer(obj).Distinct(StringComparer.Ordinal))
            {
                if (!index.TryGetValue(value, out var keys))
                {
                    index[value] = keys = new HashSet<string>(StringComparer.Ordinal);
                }

                keys.Add(key);
            }
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var (name, indexer) in _indexers)
        {
            var index = _indexes[name];
            foreach (var value in indexer(obj))
            {
                if (index.TryGetValue(value, out var keys) && keys.Remove(key) && keys.Count == 0)
                {
                    index.Remove(value);
                }
            }
        }
    }
}
