using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>One family of one pool: where a freed address can be drawn from again.</summary>
public readonly record struct PoolFamily(string Pool, IPFamily Family)
{
    public override string ToString() => $"{Pool}/{Family}";
}
