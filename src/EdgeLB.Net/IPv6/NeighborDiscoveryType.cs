namespace EdgeLB.Net.IPv6;

/// <summary>The ICMPv6 types of address resolution (RFC 4861 §4.3, §4.4).</summary>
public enum NeighborDiscoveryType
{
    NeighborSolicitation = 135,
    NeighborAdvertisement = 136,
}
