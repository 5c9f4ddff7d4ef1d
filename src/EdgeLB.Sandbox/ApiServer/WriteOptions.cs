namespace EdgeLB.Sandbox.ApiServer;

/// <summary>Query parameters that shape a write: dryRun=All, fieldManager, force (apply only).</summary>
internal sealed record WriteOptions(bool DryRun, string? FieldManager, bool Force)
{
    public static WriteOptions Default { get; } = new(false, null, false);
}
