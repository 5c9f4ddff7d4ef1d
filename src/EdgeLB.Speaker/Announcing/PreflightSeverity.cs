namespace EdgeLB.Speaker.Announcing;

public enum PreflightSeverity
{
    Info,
    Warning,
}
