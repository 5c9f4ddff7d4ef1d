using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Frames;

/// <summary>
/// Builds the complete frames an announcer sends into a caller-supplied buffer (at least
/// <see cref="MaxFrameLength"/> bytes) and returns their length. Nothing is allocated.
/// </summary>
public static class FrameWriter
{
    /// <summary>Enough for every frame written here, VLAN tag included.</summary>
    public const int MaxFrameLength = 96;

    /// <summary>Any ARP frame, padded with zeros to the 60-byte Ethernet minimum.</summary>
    public static int WriteArp(Span<byte> buffer, MacAddress to, MacAddress from, in ArpPacket arp, ushort? vlanTci = null)
    {
        var header = EthernetFrame.WriteHeader(buffer, to, from, EtherType.Arp, vlanTci);
        var length = header + arp.WriteTo(buffer[header..]);
        if (length < EthernetFrame.MinimumLength)
        {
            buffer[length..EthernetFrame.MinimumLength].Clear();
            length = EthernetFrame.MinimumLength;
        }

        return length;
    }

    /// <summary>
    /// The RFC 5227 §2.3 announcement: a broadcast request with sender and target address both the
    /// announced one and the target hardware address zero.
    /// </summary>
    public static int WriteGratuitousArpRequest(Span<byte> buffer, MacAddress mac, IPv4Address address) =>
        WriteArp(buffer, MacAddress.Broadcast, mac, new ArpPacket(ArpOperation.Request, mac, address, MacAddress.Zero, address));

    /// <summary>
    /// The reply form of gratuitous ARP (what <c>arping -A</c> sends), broadcast, target hardware address
    /// our own: some switches and older stacks learn only from replies.
    /// </summary>
    public static int WriteGratuitousArpReply(Span<byte> buffer, MacAddress mac, IPv4Address address) =>
        WriteArp(buffer, MacAddress.Broadcast, mac, new ArpPacket(ArpOperation.Reply, mac, address, mac, address));

    /// <summary>A unicast reply to <paramref name="request"/> saying <paramref name="address"/> is at <paramref name="mac"/>.</summary>
    public static int WriteArpReply(Span<byte> buffer, MacAddress mac, IPv4Address address, in ArpPacket request, ushort? vlanTci = null) =>
        WriteArp(
            buffer,
            request.SenderHardware,
            mac,
            new ArpPacket(ArpOperation.Reply, mac, address, request.SenderHardware, request.SenderProtocol),
            vlanTci);

    /// <summary>An RFC 5227 §2.1.1 probe: broadcast request with sender address 0.0.0.0 and target hardware zero.</summary>
    public static int WriteArpProbe(Span<byte> buffer, MacAddress mac, IPv4Address target) =>
        WriteArp(buffer, MacAddress.Broadcast, mac, new ArpPacket(ArpOperation.Request, mac, IPv4Address.Any, MacAddress.Zero, target));

    /// <summary>An ordinary broadcast who-has request.</summary>
    public static int WriteArpRequest(Span<byte> buffer, MacAddress mac, IPv4Address sender, IPv4Address target) =>
        WriteArp(buffer, MacAddress.Broadcast, mac, new ArpPacket(ArpOperation.Request, mac, sender, MacAddress.Zero, target));

    /// <summary>Ethernet + IPv6 (hop limit 255, as ND requires) + the ND message with its checksum.</summary>
    public static int WriteNeighborDiscovery(
        Span<byte> buffer,
        MacAddress to,
        MacAddress from,
        IPv6Address source,
        IPv6Address destination,
        in NeighborDiscoveryMessage message,
        ushort? vlanTci = null)
    {
        var header = EthernetFrame.WriteHeader(buffer, to, from, EtherType.IPv6, vlanTci);
        var icmpOffset = header + IPv6Packet.HeaderLength;
        var icmpLength = message.WriteTo(buffer[icmpOffset..], source, destination);
        IPv6Packet.WriteHeader(buffer[header..], icmpLength, IPv6Packet.Icmpv6, 255, source, destination);
        return icmpOffset + icmpLength;
    }

    /// <summary>
    /// An unsolicited advertisement (RFC 4861 §7.2.6): to ff02::1, Override set, Solicited clear, with
    /// the target link-layer address, from <paramref name="source"/> (an address of the interface).
    /// </summary>
    public static int WriteUnsolicitedNeighborAdvertisement(Span<byte> buffer, MacAddress mac, IPv6Address source, IPv6Address target) =>
        WriteNeighborDiscovery(
            buffer,
            MacAddress.ForIPv6Multicast(IPv6Address.AllNodes),
            mac,
            source,
            IPv6Address.AllNodes,
            new NeighborDiscoveryMessage(NeighborDiscoveryType.NeighborAdvertisement, NeighborAdvertisementBits.Override, target, mac));

    /// <summary>
    /// The answer to a solicitation for <paramref name="target"/> (RFC 4861 §7.2.4): unicast with S and O set,
    /// or to ff02::1 with only O when the solicitation came from the unspecified address.
    /// </summary>
    public static int WriteSolicitedNeighborAdvertisement(
        Span<byte> buffer,
        MacAddress mac,
        IPv6Address target,
        MacAddress solicitorMac,
        IPv6Address solicitorAddress,
        ushort? vlanTci = null)
    {
        if (solicitorAddress.IsUnspecified)
        {
            return WriteNeighborDiscovery(
                buffer,
                MacAddress.ForIPv6Multicast(IPv6Address.AllNodes),
                mac,
                target,
                IPv6Address.AllNodes,
                new NeighborDiscoveryMessage(NeighborDiscoveryType.NeighborAdvertisement, NeighborAdvertisementBits.Override, target, mac),
                vlanTci);
        }

        return WriteNeighborDiscovery(
            buffer,
            solicitorMac,
            mac,
            target,
            solicitorAddress,
            new NeighborDiscoveryMessage(
                NeighborDiscoveryType.NeighborAdvertisement,
                NeighborAdvertisementBits.Solicited | NeighborAdvertisementBits.Override,
                target,
                mac),
            vlanTci);
    }

    /// <summary>
    /// A solicitation for <paramref name="target"/> to its solicited-node group. With an unspecified
    /// <paramref name="source"/> it is a Duplicate Address Detection probe and carries no link-layer option.
    /// </summary>
    public static int WriteNeighborSolicitation(Span<byte> buffer, MacAddress mac, IPv6Address source, IPv6Address target)
    {
        var group = IPv6Address.SolicitedNode(target);
        return WriteNeighborDiscovery(
            buffer,
            MacAddress.ForIPv6Multicast(group),
            mac,
            source,
            group,
            new NeighborDiscoveryMessage(NeighborDiscoveryType.NeighborSolicitation, NeighborAdvertisementBits.None, target, source.IsUnspecified ? null : mac));
    }
}
