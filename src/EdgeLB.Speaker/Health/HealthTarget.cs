using System.Net;

namespace EdgeLB.Speaker.Health;

/// <summary>What one health check probes. Several VIP:ports share a target when they check the same endpoint.</summary>
internal sealed record HealthTarget(IPEndPoint EndPoint, HealthCheckKind Kind)
{
    public override string ToString() => Kind == HealthCheckKind.TcpConnect ? $"tcp:{EndPoint}" : $"http:{EndPoint}/healthz";
}
