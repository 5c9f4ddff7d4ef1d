namespace EdgeLB.Kubernetes.Informers;

/// <summary>Exponential backoff with jitter 1.0 (client-go: factor 2, each pause in [d, 2d)).</summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _current;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial;
        _max = max;
        _current = initial;
    }

    public TimeSpan Next()
    {
        var baseDelay = _current;
        _current = TimeSpan.FromTicks(Math.Min(_max.Ticks, _current.Ticks * 2));

        // Clients that failed together retry apart.
        var jittered = baseDelay + TimeSpan.FromTicks((long)(baseDelay.Ticks * Random.Shared.NextDouble()));
        return jittered > _max ? _max : jittered;
    }

    public void Reset() => _current = _initial;
}
