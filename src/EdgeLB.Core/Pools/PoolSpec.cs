namespace EdgeLB.Core.Pools;

/// <summary>An IPAddressPool as the user wrote it, before validation. Unset optional fields are null.</summary>
/// <param name="Name">metadata.name.</param>
/// <param name="Addresses">spec.addresses: CIDRs, "first-last" ranges or single addresses.</param>
/// <param name="AutoAssign">spec.autoAssign.</param>
/// <param name="AvoidBuggyIPs">spec.avoidBuggyIPs.</param>
/// <param name="ServiceAllocation">spec.serviceAllocation.</param>
/// <param name="CreatedAt">metadata.creationTimestamp: among pools that claim the same addresses, the older one gets them.</param>
/// <param name="AcceptedBefore">
/// Whether this very version of the pool was accepted before (its status says so for its current
/// generation). A controller that starts with no memory of the pools in force puts such pools first,
/// so a restart keeps every pool that was in force and has not changed.
/// </param>
public sealed record PoolSpec(
    string Name,
    IReadOnlyList<string> Addresses,
    bool? AutoAssign = null,
    bool? AvoidBuggyIPs = null,
    ServiceAllocationSpec? ServiceAllocation = null,
    DateTimeOffset? CreatedAt = null,
    bool AcceptedBefore = false);
