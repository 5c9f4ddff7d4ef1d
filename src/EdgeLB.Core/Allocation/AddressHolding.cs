namespace EdgeLB.Core.Allocation;

/// <summary>Who holds one allocated address, and under which pool and sharing key.</summary>
internal sealed class AddressHolding(string? pool, string? sharingKey)
{
    /// <summary>The pool the address lies in now, or null when it left every pool.</summary>
    public string? Pool { get; set; } = pool;

    public string? SharingKey { get; set; } = sharingKey;

    /// <summary>Holders in the order they took the address.</summary>
    public List<ServiceKey> Services { get; } = [];
}
