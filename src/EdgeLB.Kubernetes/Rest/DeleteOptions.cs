namespace EdgeLB.Kubernetes.Rest;

/// <summary>Parameters of a delete call.</summary>
public sealed record DeleteOptions
{
    /// <summary>Delete only if the object still has this resourceVersion (409 otherwise).</summary>
    public string? PreconditionResourceVersion { get; init; }

    public string? PreconditionUid { get; init; }

    /// <summary>Orphan, Background or Foreground.</summary>
    public string? PropagationPolicy { get; init; }

    public long? GracePeriodSeconds { get; init; }
}
