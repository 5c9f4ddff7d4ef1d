namespace EdgeLB.Core.Pools;

/// <summary>An IPAddressPool as the user wrote it, before validation. Unset optional fields are null.</summary>
public sealed record PoolSpec(
    string Name,
    IReadOnlyList<string> Addresses,
    bool? AutoAssign = null,
    bool? AvoidBuggyIPs = null,
    ServiceAllocationSpec? ServiceAllocation = null);
