using EdgeLB.Net.Ethernet;

namespace EdgeLB.Speaker.Announcing;

/// <summary>The outcome of <see cref="IAnnouncer.Preflight"/> for one interface.</summary>
public sealed record PreflightReport(string InterfaceName, int InterfaceIndex, MacAddress Mac, IReadOnlyList<PreflightFinding> Findings)
{
    public bool HasWarnings => Findings.Any(f => f.Severity == PreflightSeverity.Warning);
}
