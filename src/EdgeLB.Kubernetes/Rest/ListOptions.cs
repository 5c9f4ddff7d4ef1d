namespace EdgeLB.Kubernetes.Rest;

/// <summary>Parameters of a list call.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Page size; null or 0 asks for everything at once.</summary>
    public int? Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>"0" lets the server answer from its watch cache; "" (null) asks for a quorum read.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>NotOlderThan or Exact; only meaningful with a non-empty <see cref="ResourceVersion"/>.</summary>
    public string? ResourceVersionMatch { get; init; }
}
