namespace EdgeLB.Net.IPv6;

/// <summary>The flag bits of a Neighbor Advertisement, as they sit in its first reserved byte.</summary>
[Flags]
public enum NeighborAdvertisementBits
{
    None = 0,

    /// <summary>O: replace an existing cache entry's link-layer address.</summary>
    Override = 0x20,

    /// <summary>S: sent in response to a solicitation; never on unsolicited or multicast advertisements.</summary>
    Solicited = 0x40,

    /// <summary>R: the sender is a router.</summary>
    Router = 0x80,
}
