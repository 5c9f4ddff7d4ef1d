using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Allocation;

/// <summary>
/// The outcome of an assign or re-learn. On refusal the Service keeps whatever it held before
/// (<see cref="Addresses"/> shows that), so a bad edit never costs a running Service its IP.
/// </summary>
public sealed record AllocationResult
{
    /// <summary>The addresses the Service holds now (IPv4 first).</summary>
    public required IReadOnlyList<IPValue> Addresses { get; init; }

    /// <summary>The pool of the first address, or null when it is in no pool.</summary>
    public string? Pool { get; init; }

    /// <summary>Why the request was not (fully) met; null on success.</summary>
    public AllocationNotice? Refusal { get; init; }

    public IReadOnlyList<AllocationNotice> Warnings { get; init; } = [];

    /// <summary>Addresses the Service keeps although no pool in force has them any more.</summary>
    public IReadOnlyList<IPValue> OutsidePools { get; init; } = [];

    /// <summary>Whether this call changed the Service's addresses.</summary>
    public bool Changed { get; init; }

    public bool Succeeded => Refusal is null;
}
