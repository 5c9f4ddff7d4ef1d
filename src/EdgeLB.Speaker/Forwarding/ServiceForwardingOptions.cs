namespace EdgeLB.Speaker.Forwarding;

/// <summary>Per-Service settings of one forwarded VIP:port, taken from the Service spec.</summary>
internal sealed record ServiceForwardingOptions
{
    public static ServiceForwardingOptions Default { get; } = new();

    public BalancingMode Balancing { get; init; } = BalancingMode.LeastConnections;

    /// <summary>
    /// <c>sessionAffinity: ClientIP</c>: how long a client stays on its backend after its last new
    /// connection; null means no affinity. Kubernetes' default timeout is 10800 s.
    /// </summary>
    public TimeSpan? SessionAffinityTimeout { get; init; }

    /// <summary>
    /// <c>externalTrafficPolicy: Local</c>: the Service's <c>healthCheckNodePort</c>; backends are then
    /// checked with HTTP GET /healthz there instead of a TCP connect to the NodePort.
    /// </summary>
    public int? HealthCheckNodePort { get; init; }

    public void Validate(string paramName)
    {
        if (SessionAffinityTimeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentException("session affinity timeout must be positive", paramName);
        }

        if (HealthCheckNodePort is { } p && p is < 1 or > 65535)
        {
            throw new ArgumentException("healthCheckNodePort must be 1-65535", paramName);
        }
    }
}
