namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Lets through one log line per <see cref="Interval"/> for refusals of anonymous callers (no
/// token, a made-up one, or too many at once), so that a flood of them costs neither disk nor the
/// log pipeline; the refusals metric still counts every one.
/// </summary>
internal sealed class RefusalLogThrottle(TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private long _lastLogged;
    private bool _loggedAny;
    private int _suppressed;

    /// <summary>True when this refusal should be logged; <paramref name="suppressed"/> says how many were not since the last one that was.</summary>
    public bool TryLog(out int suppressed)
    {
        var now = time.GetTimestamp();
        lock (_gate)
        {
            if (_loggedAny && time.GetElapsedTime(_lastLogged, now) < Interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            (_lastLogged, _loggedAny, suppressed, _suppressed) = (now, true, _suppressed, 0);
            return true;
        }
    }
}
