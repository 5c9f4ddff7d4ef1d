using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Kubernetes.Events;

/// <summary>
/// Records core/v1 Events the way client-go's correlator does: the same object, type, reason and
/// message again patches the existing Event's count and lastTimestamp instead of creating another
/// one. Remembers the last <see cref="EventRecorderOptions.CacheSize"/> distinct events (LRU).
/// Events are best effort: failures are logged, never thrown.
/// </summary>
/// <remarks>
/// Events about different things are written concurrently; the same event is written by one caller
/// at a time (a lock stripe per key), so a repeat always finds the Event its predecessor created.
/// </remarks>
public sealed class EventRecorder : IDisposable
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    private static long s_sequence;
    private readonly IKubeApi _client;
    private readonly EventRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private const int Stripes = 64;

    private readonly SemaphoreSlim[] _stripes = [.. Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly Lock _cacheGate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _byKey = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _lru = new();

    public EventRecorder(IKubeApi client, EventRecorderOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        if (options.CacheSize < 1)
        {
            throw new ArgumentException("CacheSize must be at least 1", nameof(options));
        }

        _client = client;
        _options = options;
        _time = time ?? client.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    /// <summary>How many distinct events are remembered now.</summary>
    public int CachedCount
    {
        get
        {
            lock (_cacheGate)
            {
                return _byKey.Count;
            }
        }
    }

    /// <summary>
    /// Records an event on <paramref name="obj"/>; true when the API server stored it. The stored
    /// Event is not read back: nobody needs it, and parsing thousands of them costs memory and time.
    /// </summary>
    public Task<bool> RecordAsync(IKubernetesObject obj, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return RecordAsync(ObjectReference.For(obj), type, reason, message, cancellationToken);
    }

    public async Task<bool> RecordAsync(ObjectReference involved, string type, string reason, string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(involved);
        var ns = string.IsNullOrEmpty(involved.Namespace) ? "default" : involved.Namespace;
        var key = string.Join('\u0000', _options.Component, _options.Host, involved.Kind, ns, involved.Name, involved.Uid, involved.ApiVersion, type, reason, message);
        var now = _time.GetUtcNow();
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % Stripes];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            if (Touch(key) is { } entry)
            {
                var patch = new JsonObject
                {
                    ["count"] = entry.Count + 1,
                    ["lastTimestamp"] = KubeTimeConverter.Format(now),
                };
                try
                {
                    await _client.PatchWithoutResultAsync(Resources.Events, entry.Namespace, entry.Name, PatchType.Merge, patch, cancellationToken: cancellationToken);
                    entry.Count++;
                    return true;
                }
                catch (KubernetesNotFoundException)
                {
                    // The Event expired (the API server keeps them about an hour): start a new one.
                    Forget(key);
                }
            }

            // Like Kubernetes' own names (object.<nanoseconds in hex>), but the sub-millisecond part is
            // this process's sequence: Events about one object within one millisecond (or under a test
            // clock that stands still) must not collide, or the create fails and the Event is lost.
            var sequence = Interlocked.Increment(ref s_sequence) % 1_000_000;
            var name = $"{involved.Name}.{(now.ToUnixTimeMilliseconds() * 1_000_000 + sequence).ToString("x", CultureInfo.InvariantCulture)}{Random.Shared.Next(0x1000):x3}";
            await _client.CreateWithoutResultAsync(
                Resources.Events,
                new KubeEvent
                {
                    Metadata = new ObjectMeta { Name = name, Namespace = ns },
                    InvolvedObject = involved with { Namespace = involved.Namespace },
                    Reason = reason,
                    Message = message,
                    Type = type,
                    Count = 1,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new EventSource { Component = _options.Component, Host = _options.Host },
                    ReportingComponent = _options.Component,
                    ReportingInstance = _options.Host ?? "",
                },
                cancellationToken);
            Remember(new Entry(key, ns, name) { Count = 1 });
            return true;
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            KubernetesLog.EventFailed(_logger, reason, $"{involved.Kind} {ns}/{involved.Name}", ex.Message);
            return false;
        }
        finally
        {
            stripe.Release();
        }
    }

    /// <summary>The remembered Event for <paramref name="key"/>, now the most recently used; null if none.</summary>
    private Entry? Touch(string key)
    {
        lock (_cacheGate)
        {
            if (!_byKey.TryGetValue(key, out var node))
            {
                return null;
            }

            _lru.Remove(node);
            _lru.AddFirst(node);
            return node.Value;
        }
    }

    private void Forget(string key)
    {
        lock (_cacheGate)
        {
            if (_byKey.Remove(key, out var node))
            {
                _lru.Remove(node);
            }
        }
    }

    private void Remember(Entry entry)
    {
        lock (_cacheGate)
        {
            if (_byKey.Remove(entry.Key, out var stale))
            {
                _lru.Remove(stale);
            }

            _byKey[entry.Key] = _lru.AddFirst(entry);
            while (_byKey.Count > _options.CacheSize)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _byKey.Remove(last.Value.Key);
            }
        }
    }

    private sealed class Entry(string key, string @namespace, string name)
    {
        public string Key { get; } = key;

        public string Namespace { get; } = @namespace;

        public string Name { get; } = name;

        public int Count { get; set; }
    }
}
