namespace EdgeLB.Controller.Observability;

/// <summary>
/// Lets a log line through at most once per interval for each key and reason, and counts the ones
/// held back so the next line can say how many there were. A line with another reason for the same
/// key goes through at once. Thread-safe.
/// </summary>
internal sealed class LogRateLimiter(TimeSpan interval, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Reason, DateTimeOffset At, int Suppressed)> _last = new(StringComparer.Ordinal);

    public TimeSpan Interval => interval;

    /// <summary>
    /// True when this line should be logged; <paramref name="suppressed"/> is how many of the same
    /// key and reason were held back since the last one that was.
    /// </summary>
    public bool ShouldLog(string key, string reason, out int suppressed)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_last.TryGetValue(key, out var last) && last.Reason == reason && now - last.At < interval)
            {
                _last[key] = last with { Suppressed = last.Suppressed + 1 };
                suppressed = 0;
                return false;
            }

            suppressed = last.Reason == reason ? last.Suppressed : 0;
            _last[key] = (reason, now, 0);
            return true;
        }
    }

    public void Forget(string key)
    {
        lock (_gate)
        {
            _last.Remove(key);
        }
    }
}
