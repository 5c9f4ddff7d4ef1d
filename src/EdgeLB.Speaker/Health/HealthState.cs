namespace EdgeLB.Speaker.Health;

/// <summary>Whether a backend receives new connections.</summary>
internal enum HealthState
{
    Up,
    Down,
}
