using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>
/// What the allocator changed since it was last asked (<see cref="Allocator.TakeChanges"/>): how many
/// addresses each pool family got back, which addresses changed holders, and the sharing keys
/// under which addresses were taken. Waiting Services are woken by these, not by every change.
/// </summary>
public sealed record AllocationChanges(
    IReadOnlyDictionary<PoolFamily, int> Freed,
    IReadOnlyCollection<IPValue> Touched,
    IReadOnlyCollection<string> SharingKeys)
{
    public bool IsEmpty => Freed.Count == 0 && Touched.Count == 0 && SharingKeys.Count == 0;
}
