namespace EdgeLB.Speaker.Announcing;

/// <summary>One observation about the host made before announcing.</summary>
/// <param name="Check">Stable name: arp_ignore, arp_announce, rp_filter, kube_ipvs_strict_arp.</param>
/// <param name="Severity">Warning when it can break failover or answer for VIPs behind our back.</param>
/// <param name="Value">The value seen (effective sysctl, interface state).</param>
/// <param name="Message">What it means and what to do.</param>
public sealed record PreflightFinding(string Check, PreflightSeverity Severity, string Value, string Message);
