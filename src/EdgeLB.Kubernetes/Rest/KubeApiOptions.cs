namespace EdgeLB.Kubernetes.Rest;

/// <summary>Timeouts and retry policy of <see cref="KubeApiClient"/>.</summary>
public sealed class KubeApiOptions
{
    /// <summary>Per-request timeout for everything but watches. Defaults to 30 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 429 or 5xx (so at most this + 1 requests). Defaults to 5.</summary>
    public int MaxRetryAttempts { get; init; } = 5;

    /// <summary>First backoff step; doubled each attempt, with jitter. Defaults to 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound on one backoff step, and on an honoured Retry-After. Defaults to 30 s.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Sent as User-Agent. Defaults to "edgelb".</summary>
    public string UserAgent { get; init; } = "edgelb";
}
