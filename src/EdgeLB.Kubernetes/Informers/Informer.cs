using System.Threading.Channels;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Kubernetes.Informers;

/// <summary>
/// client-go's reflector + indexer + shared informer in one: lists (resourceVersion "0" first), then
/// watches from the list's resourceVersion with bookmarks; resumes from the last seen
/// resourceVersion when a watch ends or drops; relists on 410 Gone (the HTTP status or an ERROR
/// event) and emits deletes for objects that vanished meanwhile. When the server's state went back
/// (its resourceVersions run backwards, or it answers "too large resource version": etcd restored
/// from a backup, or a fresh server on the same address), it lists afresh without a resourceVersion
/// and the cache follows that list, deletes included. The cache is updated before the matching
/// notification is queued, and handlers get notifications strictly in order.
/// </summary>
public sealed class Informer<T>
    where T : class, IKubernetesObject
{
    private readonly IKubeApi _client;
    private readonly ResourceDescriptor<T> _resource;
    private readonly InformerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly List<IInformerHandler<T>> _handlers = [];
    private readonly Channel<Notification> _queue = Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _started;
    private string? _lastResourceVersion;
    private bool _lastListGone;
    private bool _listFromScratch;
    private bool _quietSinceFreshList;
    private long _lists;
    private long _stateWentBack;
    private long _watches;

    public Informer(IKubeApi client, ResourceDescriptor<T> resource, InformerOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(resource);
        _client = client;
        _resource = resource;
        _options = options ?? new InformerOptions();
        _time = time ?? client.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
    }

    public InformerCache<T> Cache { get; } = new();

    /// <summary>
    /// Given the cached version of an object and the one just received, what to cache and hand to
    /// handlers instead of the received one: equal to it, but sharing unchanged parts with the cached
    /// version (<see cref="ServiceSharing"/>). Null caches what was received.
    /// </summary>
    public Func<T, T, T>? ShareUnchanged { get; init; }

    /// <summary>True once the first list has been applied and every handler has seen it.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The resourceVersion the next watch would resume from.</summary>
    public string? LastSyncResourceVersion => Volatile.Read(ref _lastResourceVersion);

    /// <summary>How many lists have completed (1 + relists).</summary>
    public long ListCount => Interlocked.Read(ref _lists);

    /// <summary>How many lists followed the first one: each is a relist after 410 Gone, a failed watch, or the server's state going back.</summary>
    public long RelistCount => Math.Max(0, ListCount - 1);

    /// <summary>How many times the server's state was seen going back (each followed by a fresh list).</summary>
    public long StateWentBackCount => Interlocked.Read(ref _stateWentBack);

    /// <summary>The resource this informer watches, as <c>plural</c> or <c>plural.group</c>.</summary>
    public string ResourceName => _resource.ToString();

    /// <summary>How many watch requests have been opened.</summary>
    public long WatchCount => Interlocked.Read(ref _watches);

    public void AddHandler(IInformerHandler<T> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Volatile.Read(ref _started) != 0)
        {
            throw new InvalidOperationException("handlers must be added before the informer runs");
        }

        _handlers.Add(handler);
    }

    public Task WaitForSyncAsync(CancellationToken cancellationToken = default) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Runs until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException("an informer runs once");
        }

        var dispatcher = Task.Run(() => DispatchAsync(), CancellationToken.None);
        try
        {
            await ListAndWatchAsync(cancellationToken);
        }
        finally
        {
            _queue.Writer.TryComplete();
            await dispatcher;
        }
    }

    private async Task ListAndWatchAsync(CancellationToken cancellationToken)
    {
        var name = _resource.ToString();
        var needList = true;
        var backoff = new Backoff(_options.InitialBackoff, _options.MaxBackoff);
        while (!cancellationToken.IsCancellationRequested)
        {
            string operation = needList ? "list" : "watch";
            try
            {
                if (needList)
                {
                    await ListAsync(cancellationToken);
                    needList = false;
                    operation = "watch";
                }

                var started = _time.GetTimestamp();
                var outcome = await WatchAsync(cancellationToken);
                switch (outcome)
                {
                    case WatchOutcome.Gone:
                        KubernetesLog.WatchGone(_logger, name, _lastResourceVersion ?? "");
                        needList = true;
                        backoff.Reset();
                        continue;
                    case WatchOutcome.WentBack when !_quietSinceFreshList:
                        needList = true;
                        backoff.Reset();
                        continue;
                    case WatchOutcome.WentBack:
                        // Again, right after a fresh list: a server that keeps saying so must not make us spin.
                        needList = true;
                        break;
                    case WatchOutcome.Error:
                        // client-go relists after an ERROR event that is not 410; so do we, after a pause.
                        needList = true;
                        break;
                    case WatchOutcome.EndedEmpty when _time.GetElapsedTime(started) < _options.MinHealthyWatch:
                        // A server that closes every watch at once must not make us spin.
                        break;
                    default:
                        KubernetesLog.WatchEnded(_logger, name, _lastResourceVersion ?? "");
                        backoff.Reset();
                        continue;
                }

                var pause = backoff.Next();
                KubernetesLog.InformerBackoff(_logger, name, operation, outcome.ToString(), pause.TotalMilliseconds);
                await Task.Delay(pause, _time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesApiException ex) when (TooLargeResourceVersion.Is(ex))
            {
                var again = _quietSinceFreshList;
                StateWentBack($"{operation} from resourceVersion {_lastResourceVersion}: {ex.Status?.Message}");
                needList = true;
                if (again && !await PauseAsync(backoff, name, operation, ex.Message, cancellationToken))
                {
                    return;
                }
            }
            catch (KubernetesGoneException)
            {
                if (needList)
                {
                    // Our list resourceVersion is too old as well: next time ask for a quorum read.
                    _lastListGone = true;
                }

                KubernetesLog.WatchGone(_logger, name, _lastResourceVersion ?? "");
                needList = true;
            }
            catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException or System.Text.Json.JsonException or OperationCanceledException)
            {
                if (!await PauseAsync(backoff, name, operation, ex.Message, cancellationToken))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Waits the next backoff step; false when cancelled meanwhile.</summary>
    private async Task<bool> PauseAsync(Backoff backoff, string name, string operation, string error, CancellationToken cancellationToken)
    {
        var pause = backoff.Next();
        KubernetesLog.InformerBackoff(_logger, name, operation, error, pause.TotalMilliseconds);
        try
        {
            await Task.Delay(pause, _time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        // client-go's relistResourceVersion: "0" (any, from the watch cache) the first time, then the
        // last seen version, and "" (a quorum read) if that one was gone too or the state went back.
        var fromScratch = _listFromScratch;
        var rv = _lastResourceVersion is null ? "0" : _lastListGone || fromScratch ? null : _lastResourceVersion;
        var list = await _client.ListAllAsync(
            _resource,
            _options.Namespace,
            new ListOptions
            {
                LabelSelector = _options.LabelSelector,
                FieldSelector = _options.FieldSelector,
                Limit = _options.PageSize,
                ResourceVersion = rv,
            },
            cancellationToken);
        _lastListGone = false;
        var listRv = list.Metadata.ResourceVersion ?? throw new KubernetesApiException($"list {_resource}: the response has no resourceVersion");
        if (!fromScratch && IsOlder(listRv, _lastResourceVersion))
        {
            // The list is the server's truth all the same; take it as a fresh one.
            StateWentBack($"list at resourceVersion {listRv} after {_lastResourceVersion}");
            fromScratch = true;
        }

        Replace(list.Items, fromScratch);
        _listFromScratch = false;
        _quietSinceFreshList = fromScratch;
        Volatile.Write(ref _lastResourceVersion, listRv);
        Interlocked.Increment(ref _lists);
        KubernetesLog.Listed(_logger, _resource.ToString(), list.Items.Count, listRv);
        if (!HasSynced)
        {
            _queue.Writer.TryWrite(Notification.Synced);
        }
    }

    private enum WatchOutcome
    {
        Ended,
        EndedEmpty,
        Gone,
        Error,
        WentBack,
    }

    private async Task<WatchOutcome> WatchAsync(CancellationToken cancellationToken)
    {
        var min = _options.MinWatchTimeout.TotalSeconds;
        var timeoutSeconds = (int)Math.Max(1, min * (1 + Random.Shared.NextDouble()));
        using var idle = new CancellationTokenSource(_options.IdleTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        var options = new WatchOptions
        {
            ResourceVersion = _lastResourceVersion,
            TimeoutSeconds = timeoutSeconds,
            AllowWatchBookmarks = true,
            LabelSelector = _options.LabelSelector,
            FieldSelector = _options.FieldSelector,
        };
        Interlocked.Increment(ref _watches);
        var any = false;
        try
        {
            await foreach (var evt in _client.WatchAsync(_resource, _options.Namespace, options, linked.Token))
            {
                idle.CancelAfter(_options.IdleTimeout);
                any = true;
                if (evt.Type != WatchEventType.Error && IsOlder(evt.Resource?.Metadata.ResourceVersion, _lastResourceVersion))
                {
                    StateWentBack($"watch event {evt.Type} at resourceVersion {evt.Resource!.Metadata.ResourceVersion} after {_lastResourceVersion}");
                    return WatchOutcome.WentBack;
                }

                _quietSinceFreshList = false;
                switch (evt.Type)
                {
                    case WatchEventType.Added:
                    case WatchEventType.Modified:
                        Apply(evt.Resource!);
                        break;
                    case WatchEventType.Deleted:
                        Delete(evt.Resource!);
                        break;
                    case WatchEventType.Bookmark:
                        if (evt.Resource?.Metadata.ResourceVersion is { Length: > 0 } bookmarkRv)
                        {
                            Volatile.Write(ref _lastResourceVersion, bookmarkRv);
                        }

                        break;
                    case WatchEventType.Error:
                        var status = evt.Status;
                        KubernetesLog.WatchError(_logger, _resource.ToString(), status?.Code ?? 0, status?.Reason ?? "", status?.Message ?? "");
                        if (TooLargeResourceVersion.Is(status))
                        {
                            StateWentBack($"watch from resourceVersion {_lastResourceVersion}: {status!.Message}");
                            return WatchOutcome.WentBack;
                        }

                        return status?.Code == 410 || status?.Reason is "Expired" or "Gone" ? WatchOutcome.Gone : WatchOutcome.Error;
                }
            }
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            KubernetesLog.WatchIdle(_logger, _resource.ToString(), _options.IdleTimeout.TotalSeconds);
            return WatchOutcome.Ended;
        }
        catch (Exception ex) when (any && ex is HttpRequestException or IOException)
        {
            // The connection dropped mid-stream: resume from the last resourceVersion we applied.
            return WatchOutcome.Ended;
        }

        return any ? WatchOutcome.Ended : WatchOutcome.EndedEmpty;
    }

    private void Apply(T obj)
    {
        var key = ObjectKey.Of(obj);
        obj = Shared(key, obj);
        var old = Cache.Upsert(key, obj);
        _queue.Writer.TryWrite(old is null ? Notification.Add(obj) : Notification.Update(old, obj));
        Volatile.Write(ref _lastResourceVersion, obj.Metadata.ResourceVersion ?? _lastResourceVersion);
    }

    private void Delete(T obj)
    {
        var key = ObjectKey.Of(obj);
        var old = Cache.Remove(key);
        if (old is not null)
        {
            _queue.Writer.TryWrite(Notification.Delete(obj));
        }

        Volatile.Write(ref _lastResourceVersion, obj.Metadata.ResourceVersion ?? _lastResourceVersion);
    }

    /// <summary>Notes that the server's state went back: the next list is a quorum read without a resourceVersion.</summary>
    private void StateWentBack(string why)
    {
        _listFromScratch = true;
        Interlocked.Increment(ref _stateWentBack);
        KubernetesLog.StateWentBack(_logger, _resource.ToString(), why);
    }

    /// <summary>
    /// resourceVersions are opaque to clients in general, but every server EdgeLB talks to (etcd
    /// revisions, the in-memory server) uses increasing integers; anything else is never "older".
    /// </summary>
    private static bool IsOlder(string? candidate, string? than) =>
        ulong.TryParse(candidate, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c)
        && ulong.TryParse(than, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var t)
        && c < t;

    /// <summary>What to cache for <paramref name="received"/>; only this informer writes the cache, so the cached version cannot change meanwhile.</summary>
    private T Shared(string key, T received) =>
        ShareUnchanged is { } share && Cache.Get(key) is { } cached ? share(cached, received) : received;

    /// <summary>
    /// Makes the cache equal to a fresh list, notifying only what changed. After the state went back
    /// (<paramref name="reset"/>) resourceVersions of the old and new views cannot be compared: every
    /// object still present is delivered as an update, and one with another UID is a different object
    /// (a delete of the old, an add of the new).
    /// </summary>
    private void Replace(IReadOnlyList<T> items, bool reset)
    {
        var fresh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            fresh.Add(ObjectKey.Of(item));
        }

        foreach (var key in Cache.Keys())
        {
            if (!fresh.Contains(key) && Cache.Remove(key) is { } gone)
            {
                _queue.Writer.TryWrite(Notification.Delete(gone));
            }
        }

        foreach (var received in items)
        {
            var key = ObjectKey.Of(received);
            if (reset && Cache.Get(key) is { } replaced && !string.Equals(replaced.Metadata.Uid, received.Metadata.Uid, StringComparison.Ordinal))
            {
                Cache.Remove(key);
                _queue.Writer.TryWrite(Notification.Delete(replaced));
            }

            var item = Shared(key, received);
            var old = Cache.Upsert(key, item);
            if (old is null)
            {
                _queue.Writer.TryWrite(Notification.Add(item));
            }
            else if (reset || !string.Equals(old.Metadata.ResourceVersion, item.Metadata.ResourceVersion, StringComparison.Ordinal))
            {
                _queue.Writer.TryWrite(Notification.Update(old, item));
            }
        }
    }

    private async Task DispatchAsync()
    {
        await foreach (var n in _queue.Reader.ReadAllAsync())
        {
            if (n.Kind == NotificationKind.Synced)
            {
                _synced.TrySetResult();
                continue;
            }

            foreach (var handler in _handlers)
            {
                try
                {
                    switch (n.Kind)
                    {
                        case NotificationKind.Add:
                            handler.OnAdd(n.New!);
                            break;
                        case NotificationKind.Update:
                            handler.OnUpdate(n.Old!, n.New!);
                            break;
                        case NotificationKind.Delete:
                            handler.OnDelete(n.Old!);
                            break;
                    }
                }
                catch (Exception ex)
                {
                    KubernetesLog.HandlerFailed(_logger, ex, _resource.ToString(), n.Kind.ToString(), ObjectKey.Of(n.New ?? n.Old!));
                }
            }
        }
    }

    private enum NotificationKind
    {
        Add,
        Update,
        Delete,
        Synced,
    }

    private sealed record Notification(NotificationKind Kind, T? Old, T? New)
    {
        public static Notification Synced { get; } = new(NotificationKind.Synced, null, null);

        public static Notification Add(T obj) => new(NotificationKind.Add, null, obj);

        public static Notification Update(T old, T obj) => new(NotificationKind.Update, old, obj);

        public static Notification Delete(T obj) => new(NotificationKind.Delete, obj, null);
    }
}
