namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 LoadBalancerIngress.</summary>
public sealed record LoadBalancerIngress
{
    public string? Ip { get; init; }

    public string? Hostname { get; init; }

    /// <summary>VIP or Proxy (Kubernetes 1.30+).</summary>
    public string? IpMode { get; init; }

    public IReadOnlyList<PortStatus>? Ports { get; init; }
}
