using System.Diagnostics;
using System.Net;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// One probe: a new TCP connection and an HTTP request. <see cref="Started"/> and <see cref="Ended"/>
/// are <see cref="Stopwatch"/> timestamps. On success <see cref="Node"/> is the node whose NodePort
/// answered and <see cref="Via"/> the address that node saw the connection come from (the
/// forwarding node, or the client itself when nothing proxied it).
/// </summary>
public sealed record ProbeResult(long Started, long Ended, string? Node, IPAddress? Via, string? Error)
{
    public bool Succeeded => Node is not null;

    public double LatencyMs => Stopwatch.GetElapsedTime(Started, Ended).TotalMilliseconds;
}
