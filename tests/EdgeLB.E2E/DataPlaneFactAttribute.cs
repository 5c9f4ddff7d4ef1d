namespace EdgeLB.E2E;

/// <summary>An end-to-end test that needs speakers carrying traffic in the lab; skipped with the reason otherwise.</summary>
public sealed class DataPlaneFactAttribute : FactAttribute
{
    public DataPlaneFactAttribute()
    {
        if (E2EEnvironment.DataPlaneSkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
