namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 NodeAddress.</summary>
public sealed record NodeAddress
{
    /// <summary>InternalIP, ExternalIP, Hostname, ….</summary>
    public string? Type { get; init; }

    public string? Address { get; init; }
}
