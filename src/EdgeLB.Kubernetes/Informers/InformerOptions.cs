namespace EdgeLB.Kubernetes.Informers;

/// <summary>Tuning of an <see cref="Informer{T}"/>; defaults follow client-go's reflector.</summary>
public sealed class InformerOptions
{
    /// <summary>Watch only this namespace; null watches all namespaces (or a cluster-scoped resource).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Page size of relists. Defaults to 500.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>
    /// Each watch asks the server to end it after a random time between this and twice this, so
    /// many clients do not reconnect at once. Defaults to 5 minutes.
    /// </summary>
    public TimeSpan MinWatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A watch that delivers nothing (not even a bookmark) for this long is assumed dead (a half-open
    /// connection) and reopened from the last resourceVersion. Defaults to 11 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(11);

    /// <summary>First backoff after a failure; doubled each time, with jitter. Defaults to 800 ms.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Largest backoff. Defaults to 30 s.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A watch shorter than this that delivered nothing counts as a failure (backoff), not a normal end. Defaults to 1 s.</summary>
    public TimeSpan MinHealthyWatch { get; init; } = TimeSpan.FromSeconds(1);
}
