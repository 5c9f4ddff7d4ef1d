namespace EdgeLB.Speaker.Session;

/// <summary>
/// Pauses between failed dials: exponential from the minimum to the maximum, each drawn uniformly
/// below its ceiling ("full jitter") so a restarted controller is not hit by every speaker at once.
/// A session that got established resets it.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;
    private int _failures;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 30)));
        _failures++;
        return TimeSpan.FromMilliseconds(min.TotalMilliseconds + (_random.NextDouble() * Math.Max(0, ceiling - min.TotalMilliseconds)));
    }

    public void Reset() => _failures = 0;
}
