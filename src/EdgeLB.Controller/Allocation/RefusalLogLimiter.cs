namespace EdgeLB.Controller.Allocation;

/// <summary>
/// Lets a refusal be logged at most once per <see cref="Interval"/> for each Service and reason, and
/// counts the ones held back so the next line can say how many there were. A Service that stops
/// being refused is forgotten. Not thread-safe: the reconciler uses it under its lock.
/// </summary>
internal sealed class RefusalLogLimiter(TimeProvider time)
{
    /// <summary>Like client-go's Event spam filter, which refills one token per object every five minutes.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, (string Reason, DateTimeOffset At, int Suppressed)> _last = new(StringComparer.Ordinal);

    /// <summary>
    /// True when this refusal should be logged; <paramref name="suppressed"/> is how many of the same
    /// Service and reason were held back since the last line.
    /// </summary>
    public bool ShouldLog(string service, string reason, out int suppressed)
    {
        var now = time.GetUtcNow();
        if (_last.TryGetValue(service, out var last) && last.Reason == reason && now - last.At < Interval)
        {
            _last[service] = last with { Suppressed = last.Suppressed + 1 };
            suppressed = 0;
            return false;
        }

        suppressed = last.Reason == reason ? last.Suppressed : 0;
        _last[service] = (reason, now, 0);
        return true;
    }

    public void Forget(string service) => _last.Remove(service);
}
