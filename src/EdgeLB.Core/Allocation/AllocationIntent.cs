using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>
/// What a Service asks of the allocator, distilled from its spec and annotations. Two Services
/// with equal intents get the same treatment; an unchanged intent never moves an address.
/// </summary>
internal sealed record AllocationIntent(
    IReadOnlyList<IPValue> RequestedIPs,
    string? Pool,
    string? SharingKey,
    IReadOnlyList<IPFamily> RequiredFamilies,
    IReadOnlyList<IPFamily> OptionalFamilies)
{
    public IEnumerable<IPFamily> WantedFamilies => RequiredFamilies.Concat(OptionalFamilies);

    public bool Equals(AllocationIntent? other) =>
        other is not null
        && RequestedIPs.SequenceEqual(other.RequestedIPs)
        && Pool == other.Pool
        && SharingKey == other.SharingKey
        && RequiredFamilies.SequenceEqual(other.RequiredFamilies)
        && OptionalFamilies.SequenceEqual(other.OptionalFamilies);

    public override int GetHashCode() => HashCode.Combine(Pool, SharingKey, RequestedIPs.Count, RequiredFamilies.Count);
}
