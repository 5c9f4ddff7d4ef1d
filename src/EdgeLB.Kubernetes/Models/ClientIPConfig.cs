namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 ClientIPConfig.</summary>
public sealed record ClientIPConfig
{
    public int? TimeoutSeconds { get; init; }
}
