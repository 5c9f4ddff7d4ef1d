namespace EdgeLB.Kubernetes.Rest;

/// <summary>Parameters of a watch call.</summary>
public sealed record WatchOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Start after this resourceVersion (exclusive).</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>The server ends the watch after this long; the client then resumes.</summary>
    public int? TimeoutSeconds { get; init; }

    public bool AllowWatchBookmarks { get; init; } = true;
}
