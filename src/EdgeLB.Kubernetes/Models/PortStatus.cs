namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 PortStatus.</summary>
public sealed record PortStatus
{
    public int Port { get; init; }

    public string? Protocol { get; init; }

    public string? Error { get; init; }
}
