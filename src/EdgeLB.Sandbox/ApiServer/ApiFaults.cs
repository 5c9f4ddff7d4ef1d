namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Fault injection for tests: drop every open watch, fail the next requests with an error status,
/// delay every response, forget history. Thread-safe; faults apply to requests arriving after the call.
/// </summary>
public sealed class ApiFaults
{
    private readonly ObjectStore _store;
    private readonly Lock _gate = new();
    private int _failuresLeft;
    private int _failureCode;
    private int? _retryAfterSeconds;
    private Func<string, string, bool>? _failureFilter;
    private long _delayTicks;

    internal ApiFaults(ObjectStore store) => _store = store;

    /// <summary>Extra latency added before every response (zero to turn off). Watches are delayed before their first event.</summary>
    public TimeSpan ResponseDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>How many injected failures are still to be served.</summary>
    public int PendingFailures
    {
        get
        {
            lock (_gate)
            {
                return _failuresLeft;
            }
        }
    }

    /// <summary>Closes every open watch stream. With abort the connection is reset instead of ending cleanly.</summary>
    /// <returns>How many watches were dropped.</returns>
    public int DropWatches(bool abort = false) => _store.DropWatches(abort);

    /// <summary>
    /// Answers the next <paramref name="count"/> requests (those <paramref name="filter"/> accepts, given
    /// method and path) with <paramref name="statusCode"/> (5xx or 429) and a Status body; a
    /// <paramref name="retryAfter"/> is sent as the Retry-After header.
    /// </summary>
    public void FailNext(int count, int statusCode = 500, TimeSpan? retryAfter = null, Func<string, string, bool>? filter = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (statusCode is not (429 or (>= 500 and <= 599)))
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "only 429 and 5xx can be injected");
        }

        lock (_gate)
        {
            _failuresLeft = count;
            _failureCode = statusCode;
            _retryAfterSeconds = retryAfter is { } r ? (int)Math.Ceiling(r.TotalSeconds) : null;
            _failureFilter = filter;
        }
    }

    /// <summary>Forgets all history now: watches and continue tokens from before this point get 410 Gone.</summary>
    public void CompactHistory() => _store.Compact();

    /// <summary>Clears injected failures and delays.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _failuresLeft = 0;
            _failureFilter = null;
        }

        ResponseDelay = TimeSpan.Zero;
    }

    internal ApiException? TakeFailure(string method, string path)
    {
        lock (_gate)
        {
            if (_failuresLeft == 0 || (_failureFilter is not null && !_failureFilter(method, path)))
            {
                return null;
            }

            _failuresLeft--;
            var (reason, message) = _failureCode switch
            {
                429 => ("TooManyRequests", "Too many requests, please try again later."),
                503 => ("ServiceUnavailable", "The server is currently unable to handle the request"),
                504 => ("Timeout", "The server was unable to return a response in the time allotted"),
                _ => ("InternalError", "Internal error occurred: injected fault"),
            };
            return new ApiException(_failureCode, reason, message) { RetryAfterSeconds = _retryAfterSeconds };
        }
    }
}
