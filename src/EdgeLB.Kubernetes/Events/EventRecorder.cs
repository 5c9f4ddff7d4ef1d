using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Kubernetes.Events;

/// <summary>
/// Records core/v1 Events as series, the way client-go aggregates them: one Event per object, type
/// and reason. A repeat with a new message patches the Event's message, count and lastTimestamp at
/// once; a repeat of the same message only counts, and the count and lastTimestamp are written at
/// most once per <see cref="EventRecorderOptions.SeriesInterval"/> (the last repeats of a burst are
/// written when the interval ends), so a Service refused over and over costs a bounded number of
/// writes. Remembers the last <see cref="EventRecorderOptions.CacheSize"/> series (LRU). Events are
/// best effort: failures are logged, never thrown.
/// </summary>
/// <remarks>
/// Events about different things are written concurrently; one series is written by one caller at
/// a time (a lock stripe per key), so a repeat always finds the Event its predecessor created.
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
        lock (_cacheGate)
        {
            foreach (var entry in _lru)
            {
                entry.Flush?.Dispose();
            }
        }

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
    /// Records an event on <paramref name="obj"/>; true when the API server stored it, or (a repeat
    /// within the series interval) when it was counted for the write at the interval's end. The stored
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
        var key = string.Join('\u0000', _options.Component, _options.Host, involved.Kind, ns, involved.Name, involved.Uid, involved.ApiVersion, type, reason);
        var now = _time.GetUtcNow();
        var stripe = StripeOf(key);
        await stripe.WaitAsync(cancellationToken);
        try
        {
            if (Touch(key) is { } entry)
            {
                if (entry.Message == message && now - entry.WrittenAt < _options.SeriesInterval)
                {
                    // Counted now, written when the interval ends.
                    entry.Count++;
                    entry.LastTimestamp = now;
                    ScheduleFlush(entry);
                    return true;
                }

                try
                {
                    await WriteSeriesAsync(entry, entry.Count + 1, now, message, cancellationToken);
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
            Remember(new Entry(key, ns, name) { Count = 1, Written = 1, Message = message, LastTimestamp = now, WrittenAt = now });
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

    private SemaphoreSlim StripeOf(string key) => _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % Stripes];

    /// <summary>Patches the series' Event to <paramref name="count"/>, <paramref name="at"/> and <paramref name="message"/>. Called under the series' stripe.</summary>
    private async Task WriteSeriesAsync(Entry entry, int count, DateTimeOffset at, string message, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["count"] = count,
            ["lastTimestamp"] = KubeTimeConverter.Format(at),
        };
        if (message != entry.Message)
        {
            patch["message"] = message;
        }

        await _client.PatchWithoutResultAsync(Resources.Events, entry.Namespace, entry.Name, PatchType.Merge, patch, cancellationToken: cancellationToken);
        entry.Count = count;
        entry.Written = count;
        entry.LastTimestamp = at;
        entry.Message = message;
        entry.WrittenAt = _time.GetUtcNow();
    }

    /// <summary>Writes the counted repeats of a series when its interval ends; one timer per series at most.</summary>
    private void ScheduleFlush(Entry entry)
    {
        if (entry.Flush is not null)
        {
            return;
        }

        var due = entry.WrittenAt + _options.SeriesInterval - _time.GetUtcNow();
        entry.Flush = _time.CreateTimer(_ => _ = FlushAsync(entry), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private async Task FlushAsync(Entry entry)
    {
        var stripe = StripeOf(entry.Key);
        try
        {
            await stripe.WaitAsync();
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        try
        {
            entry.Flush?.Dispose();
            entry.Flush = null;
            if (entry.Count > entry.Written)
            {
                await WriteSeriesAsync(entry, entry.Count, entry.LastTimestamp, entry.Message, CancellationToken.None);
            }
        }
        catch (KubernetesNotFoundException)
        {
            // The Event expired: the next repeat starts a new one.
            Forget(entry.Key);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            // Unreachable: the next repeat writes the series again.
            KubernetesLog.EventFailed(_logger, "series count", entry.Key.Replace('\u0000', ' '), ex.Message);
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

        /// <summary>How many times the event happened.</summary>
        public int Count { get; set; }

        /// <summary>The count the API server holds.</summary>
        public int Written { get; set; }

        public string Message { get; set; } = "";

        public DateTimeOffset LastTimestamp { get; set; }

        /// <summary>When the series was last written.</summary>
        public DateTimeOffset WrittenAt { get; set; }

        /// <summary>The pending write of counted repeats, if any.</summary>
        public ITimer? Flush { get; set; }
    }
}
