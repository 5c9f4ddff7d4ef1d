namespace EdgeLB.E2E;

/// <summary>An end-to-end test of the control plane: runs in the lab or against a cluster; skipped with the reason when neither is possible.</summary>
public sealed class E2EFactAttribute : FactAttribute
{
    public E2EFactAttribute()
    {
        if (E2EEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
