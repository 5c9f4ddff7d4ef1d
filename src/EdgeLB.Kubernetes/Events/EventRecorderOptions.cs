namespace EdgeLB.Kubernetes.Events;

/// <summary>Options of <see cref="EventRecorder"/>.</summary>
public sealed class EventRecorderOptions
{
    /// <summary>The source component, e.g. "edgelb-controller".</summary>
    public required string Component { get; init; }

    /// <summary>The source host (node or Pod name); optional.</summary>
    public string? Host { get; init; }

    /// <summary>
    /// A series repeating the same message is written at most once per this interval; the repeats
    /// in between are counted and written when it ends. Defaults to one minute.
    /// </summary>
    public TimeSpan SeriesInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How many series are remembered for aggregation. Defaults to 4096 (client-go's maxLruCacheEntries).</summary>
    public int CacheSize { get; init; } = 4096;
}
