using System.Threading.Channels;

namespace EdgeLB.Controller.Queue;

/// <summary>
/// A queue of keys to reconcile with client-go's guarantees: a key is queued at most once, never
/// processed by two workers at once, and a key added while it is being processed is processed
/// again afterwards. Failed keys come back after a per-key exponential backoff.
/// </summary>
internal sealed class WorkQueue
{
    private readonly Lock _gate = new();
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly HashSet<string> _processing = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    public WorkQueue(TimeProvider time, TimeSpan? baseDelay = null, TimeSpan? maxDelay = null)
    {
        _time = time;
        _baseDelay = baseDelay ?? TimeSpan.FromMilliseconds(200);
        _maxDelay = maxDelay ?? TimeSpan.FromSeconds(60);
    }

    /// <summary>Keys waiting or being processed.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _dirty.Count + _processing.Count;
            }
        }
    }

    public void Add(string key)
    {
        lock (_gate)
        {
            if (_dirty.Add(key) && !_processing.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Adds the key again after its backoff, which doubles with each consecutive failure.</summary>
    public TimeSpan AddRateLimited(string key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.GetValueOrDefault(key);
            _failures[key] = failures + 1;
            var ticks = Math.Min(_maxDelay.Ticks, _baseDelay.Ticks * (1L << Math.Min(failures, 20)));
            delay = TimeSpan.FromTicks((long)(ticks * (0.8 + (Random.Shared.NextDouble() * 0.4))));
        }

        ITimer? timer = null;
        timer = _time.CreateTimer(_ => { Add(key); timer?.Dispose(); }, null, delay, Timeout.InfiniteTimeSpan);
        return delay;
    }

    /// <summary>Clears a key's backoff after it succeeded.</summary>
    public void Forget(string key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var key = await _ready.Reader.ReadAsync(cancellationToken);
            lock (_gate)
            {
                if (_dirty.Remove(key))
                {
                    _processing.Add(key);
                    return key;
                }
            }
        }
    }

    public void Done(string key)
    {
        lock (_gate)
        {
            _processing.Remove(key);
            if (_dirty.Contains(key))
            {
                _ready.Writer.TryWrite(key);
            }
        }
    }
}
