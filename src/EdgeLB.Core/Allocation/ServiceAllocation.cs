using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>The addresses one Service holds, and the intent they were given for.</summary>
internal sealed record ServiceAllocation(
    ServiceKey Key,
    IReadOnlyList<IPValue> Addresses,
    AllocationIntent? Intent,
    SharingProfile Profile);
