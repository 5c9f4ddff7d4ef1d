using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Every object the server holds, one global resourceVersion counter, a bounded history of changes
/// (the "etcd revision window": a watch or continue token older than the window gets 410) and the
/// open watches. One lock orders everything, so resourceVersions are strictly increasing in commit order.
/// Stored objects are frozen and never mutated; writers replace them.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceType, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly LinkedList<StoredEvent> _history = new();
    private readonly HashSet<WatchSubscription> _watchers = [];
    private long _resourceVersion;
    private long _compactedResourceVersion;
    private TaskCompletionSource? _advanced;

    public ObjectStore(int historyLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyLimit, 1);
        HistoryLimit = historyLimit;
    }

    public int HistoryLimit { get; }

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>The oldest resourceVersion a watch may still start from.</summary>
    public long CompactedResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _compactedResourceVersion;
            }
        }
    }

    public int WatchCount
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";

    /// <summary>Runs a read-modify-write under the store lock, so checks and commits are atomic.</summary>
    public T Atomically<T>(Func<T> action)
    {
        lock (_gate)
        {
            return action();
        }
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return Bucket(type).GetValueOrDefault(Key(ns, name));
        }
    }

    /// <summary>The current objects of a type (in one namespace or all), ordered by namespace/name, and the resourceVersion they are current at.</summary>
    public (List<JsonObject> Items, long ResourceVersion) List(ResourceType type, string? ns)
    {
        lock (_gate)
        {
            return (Bucket(type).Where(kv => InNamespace(kv.Key, ns)).Select(kv => kv.Value).ToList(), _resourceVersion);
        }
    }

    /// <summary>The objects of a type as they were at an older resourceVersion, rebuilt from history.</summary>
    public List<JsonObject> SnapshotAt(ResourceType type, string? ns, long resourceVersion)
    {
        lock (_gate)
        {
            if (resourceVersion < _compactedResourceVersion)
            {
                throw ApiException.Expired(
                    "The provided continue parameter is too old to display a consistent list result. " +
                    "You can start a new list without the continue parameter.");
            }

            var snapshot = new SortedDictionary<string, JsonObject>(Bucket(type), StringComparer.Ordinal);
            for (var node = _history.Last; node is not null && node.Value.ResourceVersion > resourceVersion; node = node.Previous)
            {
                var e = node.Value;
                if (e.Resource != type)
                {
                    continue;
                }

                var key = KeyOf(type, e.Object);
                if (e.Type == WatchEventType.Added)
                {
                    snapshot.Remove(key);
                }
                else
                {
                    snapshot[key] = e.Previous!;
                }
            }

            return snapshot.Where(kv => InNamespace(kv.Key, ns)).Select(kv => kv.Value).ToList();
        }
    }

    /// <summary>Stores a new version of an object (or deletes it when obj is null) at the next resourceVersion.</summary>
    /// <summary>Called inside the store's lock after every change, for indexes that must stay exact.</summary>
    public Action<StoredEvent>? Committed { get; set; }

    public StoredEvent Commit(ResourceType type, string? ns, string name, JsonObject? obj)
    {
        lock (_gate)
        {
            var bucket = Bucket(type);
            var key = Key(ns, name);
            var previous = bucket.GetValueOrDefault(key);
            _resourceVersion++;
            var rv = _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
            StoredEvent e;
            if (obj is null)
            {
                if (previous is null)
                {
                    throw ApiException.NotFound(type, name);
                }

                var last = (JsonObject)previous.DeepClone();
                JsonTree.Metadata(last)["resourceVersion"] = rv;
                bucket.Remove(key);
                e = new(WatchEventType.Deleted, type, _resourceVersion, JsonTree.Freeze(last), previous);
            }
            else
            {
                JsonTree.Metadata(obj)["resourceVersion"] = rv;
                bucket[key] = JsonTree.Freeze(obj);
                e = new(previous is null ? WatchEventType.Added : WatchEventType.Modified, type, _resourceVersion, obj, previous);
            }

            Committed?.Invoke(e);
            _advanced?.TrySetResult();
            _advanced = null;
            _history.AddLast(e);
            while (_history.Count > HistoryLimit)
            {
                _compactedResourceVersion = _history.First!.Value.ResourceVersion;
                _history.RemoveFirst();
            }

            foreach (var watcher in _watchers)
            {
                if (watcher.Wants(e))
                {
                    watcher.Push(new(e, 0));
                }
            }

            return e;
        }
    }

    /// <summary>
    /// Waits until the store has reached <paramref name="resourceVersion"/>, at most
    /// <paramref name="wait"/>, as the real server's watch cache waits to catch up with etcd before it
    /// answers "too large resource version". Returns the current resourceVersion when it gives up,
    /// null when the store got there.
    /// </summary>
    public async Task<long?> WaitForResourceVersionAsync(long resourceVersion, TimeSpan wait, TimeProvider time, CancellationToken cancellationToken)
    {
        var deadline = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
        while (true)
        {
            Task advanced;
            lock (_gate)
            {
                if (_resourceVersion >= resourceVersion)
                {
                    return null;
                }

                var left = time.GetElapsedTime(time.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero)
                {
                    return _resourceVersion;
                }

                _advanced ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                advanced = _advanced.Task.WaitAsync(left, time, cancellationToken);
            }

            try
            {
                await advanced;
            }
            catch (TimeoutException)
            {
                // Checked once more at the top.
            }
        }
    }

    /// <summary>
    /// Opens a watch. Without a resourceVersion it starts with synthetic ADDED events for the current
    /// objects; with one it replays history after it, or fails with 410 when that is compacted.
    /// </summary>
    public (WatchSubscription Subscription, List<StoredEvent> Initial) Subscribe(ResourceType type, string? ns, long? fromResourceVersion)
    {
        lock (_gate)
        {
            var sub = new WatchSubscription(type, ns);
            var initial = new List<StoredEvent>();
            if (fromResourceVersion is null)
            {
                foreach (var (key, obj) in Bucket(type))
                {
                    if (InNamespace(key, ns))
                    {
                        initial.Add(new(WatchEventType.Added, type, long.Parse(JsonTree.GetString(obj, "metadata", "resourceVersion")!, System.Globalization.CultureInfo.InvariantCulture), obj, null));
                    }
                }
            }
            else
            {
                if (fromResourceVersion.Value < _compactedResourceVersion)
                {
                    throw ApiException.Expired($"too old resource version: {fromResourceVersion.Value} ({_compactedResourceVersion})");
                }

                initial.AddRange(_history.Where(e => e.ResourceVersion > fromResourceVersion.Value && sub.Wants(e)));
            }

            _watchers.Add(sub);
            return (sub, initial);
        }
    }

    public void Unsubscribe(WatchSubscription sub)
    {
        lock (_gate)
        {
            _watchers.Remove(sub);
        }
    }

    /// <summary>Queues a bookmark behind everything already sent to this watch, so it never runs ahead of events.</summary>
    public void RequestBookmark(WatchSubscription sub)
    {
        lock (_gate)
        {
            sub.Push(new(null, _resourceVersion));
        }
    }

    /// <summary>Forgets all history: every watch or continue token from before now gets 410.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedResourceVersion = _resourceVersion;
            _history.Clear();
        }
    }

    public int DropWatches(bool abort)
    {
        lock (_gate)
        {
            var count = _watchers.Count;
            foreach (var w in _watchers)
            {
                w.Drop(abort);
            }

            _watchers.Clear();
            return count;
        }
    }

    private static bool InNamespace(string key, string? ns) =>
        ns is null || (key.Length > ns.Length && key[ns.Length] == '/' && key.StartsWith(ns, StringComparison.Ordinal));

    private static string KeyOf(ResourceType type, JsonObject obj) =>
        Key(type.Namespaced ? JsonTree.GetString(obj, "metadata", "namespace") : null, JsonTree.GetString(obj, "metadata", "name") ?? "");

    private SortedDictionary<string, JsonObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type, out var bucket))
        {
            bucket = new(StringComparer.Ordinal);
            _objects[type] = bucket;
        }

        return bucket;
    }
}
