namespace EdgeLB.Speaker.Health;

/// <summary>A backend's availability changed; <see cref="Reason"/> says which check decided it.</summary>
internal sealed class HealthTransition(HealthTarget target, bool available, string reason, DateTimeOffset at) : EventArgs
{
    public HealthTarget Target { get; } = target;

    public bool Available { get; } = available;

    public string Reason { get; } = reason;

    public DateTimeOffset At { get; } = at;

    public override string ToString() => $"{Target} {(Available ? "available" : "unavailable")} at {At:O}: {Reason}";
}
