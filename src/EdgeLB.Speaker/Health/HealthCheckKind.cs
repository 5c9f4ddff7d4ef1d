namespace EdgeLB.Speaker.Health;

/// <summary>How a backend node is checked.</summary>
internal enum HealthCheckKind
{
    /// <summary>A TCP connect to the NodePort (externalTrafficPolicy: Cluster).</summary>
    TcpConnect,

    /// <summary>HTTP GET /healthz on healthCheckNodePort, 200 meaning local endpoints (externalTrafficPolicy: Local).</summary>
    HttpHealthz,
}
