namespace EdgeLB.Speaker.Health;

/// <summary>
/// One backend's health as the session reports it in heartbeats: the active-check state, whether
/// passive detection currently keeps it out, the last failure and when the state last changed.
/// </summary>
internal sealed record BackendHealthReport(
    HealthTarget Target,
    HealthState State,
    bool CircuitOpen,
    bool Available,
    string? LastError,
    DateTimeOffset Since);
