using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Frames;

/// <summary>
/// One received frame decoded down to ARP or Neighbor Discovery, the two things an announcer reads.
/// Decoding touches only the caller's buffer and allocates nothing.
/// </summary>
public readonly ref struct LinkFrame
{
    public EthernetFrame Ethernet { get; init; }

    public LinkFrameKind Kind { get; init; }

    /// <summary>The ARP packet when <see cref="Kind"/> is <see cref="LinkFrameKind.Arp"/>.</summary>
    public ArpPacket Arp { get; init; }

    /// <summary>The ND message for solicitations and advertisements.</summary>
    public NeighborDiscoveryMessage NeighborDiscovery { get; init; }

    public IPv6Address IPv6Source { get; init; }

    public IPv6Address IPv6Destination { get; init; }

    /// <summary>Decodes Ethernet, then ARP or IPv6 + ICMPv6 ND; anything else is reported, not thrown.</summary>
    public static ParseError Parse(ReadOnlySpan<byte> frame, out LinkFrame result)
    {
        result = default;
        var error = EthernetFrame.Parse(frame, out var ethernet);
        if (error != ParseError.None)
        {
            return error;
        }

        switch (ethernet.EtherType)
        {
            case EtherType.Arp:
                error = ArpPacket.Parse(ethernet.Payload, out var arp);
                if (error == ParseError.None)
                {
                    result = new LinkFrame { Ethernet = ethernet, Kind = LinkFrameKind.Arp, Arp = arp };
                }

                return error;
            case EtherType.IPv6:
                error = IPv6Packet.Parse(ethernet.Payload, out var ip);
                if (error != ParseError.None)
                {
                    return error;
                }

                error = NeighborDiscoveryMessage.Parse(ip, out var nd);
                if (error == ParseError.None)
                {
                    result = new LinkFrame
                    {
                        Ethernet = ethernet,
                        Kind = nd.Type == NeighborDiscoveryType.NeighborSolicitation
                            ? LinkFrameKind.NeighborSolicitation
                            : LinkFrameKind.NeighborAdvertisement,
                        NeighborDiscovery = nd,
                        IPv6Source = ip.Source,
                        IPv6Destination = ip.Destination,
                    };
                }

                return error;
            default:
                return ParseError.UnsupportedEtherType;
        }
    }
}
