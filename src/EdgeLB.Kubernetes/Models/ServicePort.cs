namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 ServicePort.</summary>
public sealed record ServicePort
{
    public string? Name { get; init; }

    /// <summary>TCP, UDP or SCTP; the API server defaults it to TCP.</summary>
    public string? Protocol { get; init; }

    public string? AppProtocol { get; init; }

    public int Port { get; init; }

    public IntOrString? TargetPort { get; init; }

    public int? NodePort { get; init; }
}
