namespace EdgeLB.Kubernetes.Models;

/// <summary>discovery.k8s.io/v1 EndpointPort.</summary>
public sealed record EndpointPort
{
    public string? Name { get; init; }

    public string? Protocol { get; init; }

    public int? Port { get; init; }

    public string? AppProtocol { get; init; }
}
