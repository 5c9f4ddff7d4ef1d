namespace EdgeLB.Core.Allocation;

/// <summary>How much of one family of one pool is in use.</summary>
public readonly record struct PoolUsage(UInt128 Size, long Allocated)
{
    public UInt128 Available => Size - (UInt128)Allocated;
}
