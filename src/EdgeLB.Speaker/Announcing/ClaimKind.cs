namespace EdgeLB.Speaker.Announcing;

/// <summary>The frame by which another host claimed an address we hold.</summary>
public enum ClaimKind
{
    /// <summary>An ARP reply with the address as sender.</summary>
    ArpReply,

    /// <summary>An ARP request with the address as sender (a gratuitous request, or someone using it).</summary>
    ArpRequest,

    /// <summary>A Neighbor Advertisement for the address with another link-layer address.</summary>
    NeighborAdvertisement,

    /// <summary>A Neighbor Solicitation sent from the address by another link-layer address.</summary>
    NeighborSolicitation,
}
