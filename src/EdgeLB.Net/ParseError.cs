namespace EdgeLB.Net;

/// <summary>
/// Why a frame could not be decoded. Parsers return this instead of throwing, so a hostile or
/// broken frame costs one comparison, never an exception.
/// </summary>
public enum ParseError
{
    /// <summary>The frame decoded cleanly.</summary>
    None = 0,

    /// <summary>Shorter than the 14-byte Ethernet II header.</summary>
    TruncatedEthernetHeader,

    /// <summary>An 802.1Q tag was announced but its 4 bytes are missing.</summary>
    TruncatedVlanTag,

    /// <summary>The EtherType is a length (802.3) or a protocol this layer does not decode.</summary>
    UnsupportedEtherType,

    /// <summary>Shorter than the 28 bytes of an Ethernet/IPv4 ARP packet.</summary>
    TruncatedArp,

    /// <summary>ARP hardware type is not Ethernet (1) or its length is not 6.</summary>
    UnsupportedArpHardware,

    /// <summary>ARP protocol type is not IPv4 (0x0800) or its length is not 4.</summary>
    UnsupportedArpProtocol,

    /// <summary>ARP operation is neither request (1) nor reply (2).</summary>
    UnsupportedArpOperation,

    /// <summary>Shorter than the 40-byte IPv6 header.</summary>
    TruncatedIPv6Header,

    /// <summary>The IP version nibble is not 6.</summary>
    NotIPv6,

    /// <summary>The IPv6 payload length runs past the end of the frame.</summary>
    IPv6PayloadLengthExceedsFrame,

    /// <summary>The IPv6 next header is not ICMPv6 (58); extension headers are not followed.</summary>
    NotIcmpv6,

    /// <summary>The ICMPv6 message is shorter than its type requires.</summary>
    TruncatedIcmpv6,

    /// <summary>The ICMPv6 checksum over the pseudo-header does not verify.</summary>
    Icmpv6ChecksumMismatch,

    /// <summary>An ICMPv6 message other than Neighbor Solicitation or Advertisement.</summary>
    NotNeighborDiscovery,

    /// <summary>Neighbor Discovery with a non-zero ICMPv6 code (RFC 4861 §7.1).</summary>
    NeighborDiscoveryBadCode,

    /// <summary>Neighbor Discovery with a hop limit other than 255: it may come from off-link (RFC 4861 §7.1).</summary>
    NeighborDiscoveryHopLimitNot255,

    /// <summary>The target address of a Neighbor Discovery message is multicast.</summary>
    NeighborDiscoveryMulticastTarget,

    /// <summary>A Neighbor Discovery option has length zero (RFC 4861 §7.1.1/§7.1.2); its end could never be found.</summary>
    NeighborDiscoveryZeroLengthOption,

    /// <summary>A Neighbor Discovery option's length runs past the end of the message, or a lone byte trails the last option.</summary>
    NeighborDiscoveryOptionOverrun,

    /// <summary>A link-layer address option whose length is not the 8 bytes an Ethernet address takes (RFC 4861 §4.6.1, RFC 2464 §8).</summary>
    NeighborDiscoveryBadLinkLayerOption,

    /// <summary>The message carries its link-layer address option more than once, so which address to use is ambiguous.</summary>
    NeighborDiscoveryDuplicateLinkLayerOption,

    /// <summary>A solicitation from the unspecified address carries a source link-layer option, or is not sent to a solicited-node group.</summary>
    NeighborSolicitationInconsistent,

    /// <summary>An advertisement to a multicast address has the Solicited flag set.</summary>
    NeighborAdvertisementInconsistent,
}
