using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>
/// What a refused Service waits for, besides changes to the pools, its namespace and itself: a free
/// address of a family in one of <see cref="Pools"/>, a change among the holders of one of
/// <see cref="Addresses"/>, or an address newly held under <see cref="SharingKey"/>.
/// </summary>
public sealed record AllocationWait
{
    public IReadOnlyList<PoolFamily> Pools { get; init; } = [];

    public IReadOnlyList<IPValue> Addresses { get; init; } = [];

    public string? SharingKey { get; init; }
}
