using System.Buffers.Binary;
using CsCheck;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;

namespace EdgeLB.Fuzz.Frames;

/// <summary>Damage aimed at the fields a frame parser must distrust.</summary>
internal enum FrameFault
{
    None,
    BadChecksum,
    PayloadLengthLonger,
    PayloadLengthShorter,
    ZeroLengthOption,
    OversizedOption,
    HopLimit,
    EtherType,
    ArpHardwareLength,
    TruncatedToHeader,
}

/// <summary>
/// A well-formed ARP or Neighbor Discovery frame as the speaker would see it on the wire (optionally
/// 802.1Q-tagged, ND optionally with extra options), built with the project's own writers.
/// </summary>
internal sealed record FrameSpec(
    bool Arp,
    ushort? Vlan,
    ulong SourceMac,
    ulong DestinationMac,
    ushort ArpOperation,
    uint SenderIp,
    uint TargetIp,
    bool Solicitation,
    byte Flags,
    IPv6Address Source,
    IPv6Address Destination,
    IPv6Address Target,
    bool LinkLayerOption,
    byte[] ExtraOptions)
{
    private static readonly Gen<IPv6Address> Unicast6 = Gen.Select(Gen.Int[0, 3], Gen.ULong, (kind, low) => kind switch
    {
        0 => new IPv6Address(0xFE80_0000_0000_0000UL, low),
        1 => IPv6Address.Unspecified,
        _ => new IPv6Address(0x2001_0DB8_0000_0000UL | (low >> 48), low),
    });

    private static readonly Gen<ulong> Mac = Gen.ULong.Select(v => v & 0xFFFF_FFFF_FFFFUL);

    public static readonly Gen<FrameSpec> Any =
        Gen.Select(Gen.Bool, Gen.Frequency((3, Gen.Const((ushort?)null)), (1, Gen.UShort.Select(v => (ushort?)v))), Mac, Mac, Gen.Select(Gen.UShort[1, 2], Gen.UInt, Gen.UInt))
            .SelectMany(head => Gen.Select(
                Gen.Bool,
                Gen.Byte,
                Unicast6,
                Gen.Select(Gen.Int[0, 2], Unicast6, (kind, unicast) => (kind, unicast)),
                Gen.Select(Gen.Int[0, 7], Unicast6, (multicast, a) => multicast == 0 ? new IPv6Address(0xFF02_0000_0000_0000UL, a.Low) : a),
                Gen.Bool,
                Gen.Frequency((3, Gen.Const(Array.Empty<byte>())), (1, Gen.Byte.Array[0, 40])),
                (solicitation, flags, source, destination, target, option, extra) =>
                {
                    var (arp, vlan, sourceMac, destinationMac, (op, sender, targetIp)) = head;
                    var to = destination.kind switch
                    {
                        0 => IPv6Address.AllNodes,
                        1 => IPv6Address.SolicitedNode(target),
                        _ => destination.unicast,
                    };
                    return new FrameSpec(arp, vlan, sourceMac, destinationMac, op, sender, targetIp, solicitation, flags, source, to, target, option, extra);
                }));

    /// <summary>Whether RFC 4861 §7.1 (as the parser applies it) accepts this frame as built, before any fault.</summary>
    public bool Valid =>
        Arp || (!Target.IsMulticast
            && !(Solicitation && Source.IsUnspecified && (LinkLayerOption || !IsSolicitedNodeGroup(Destination)))
            && !(!Solicitation && Destination.IsMulticast && (Flags & (byte)NeighborAdvertisementBits.Solicited) != 0)
            && ExtraOptionsWellFormed);

    private bool ExtraOptionsWellFormed
    {
        get
        {
            var options = ExtraOptions.AsSpan(0, ExtraOptions.Length / 8 * 8);
            while (!options.IsEmpty)
            {
                if (options[1] == 0 || options[1] * 8 > options.Length)
                {
                    return false;
                }

                options = options[(options[1] * 8)..];
            }

            return true;
        }
    }

    private int VlanLength => Vlan is null ? 0 : EthernetFrame.VlanTagLength;

    private static bool IsSolicitedNodeGroup(IPv6Address a) =>
        a.High == 0xFF02_0000_0000_0000UL && (a.Low >> 24) == 0x0000_0001_FF;

    public byte[] Build(FrameFault fault)
    {
        var buffer = new byte[FrameWriter.MaxFrameLength + 64];
        var from = new MacAddress(SourceMac);
        int length;
        if (Arp)
        {
            var packet = new ArpPacket((ArpOperation)ArpOperation, from, new IPv4Address(SenderIp), new MacAddress(DestinationMac), new IPv4Address(TargetIp));
            length = FrameWriter.WriteArp(buffer, new MacAddress(DestinationMac), from, packet, Vlan);
        }
        else
        {
            var type = Solicitation ? NeighborDiscoveryType.NeighborSolicitation : NeighborDiscoveryType.NeighborAdvertisement;
            var message = new NeighborDiscoveryMessage(type, Solicitation ? NeighborAdvertisementBits.None : (NeighborAdvertisementBits)(Flags & 0xE0), Target, LinkLayerOption ? from : null);
            length = FrameWriter.WriteNeighborDiscovery(buffer, new MacAddress(DestinationMac), from, Source, Destination, message, Vlan);

            // Extra options in whole 8-byte units, as they arrive from other stacks (nonce, MTU, unknown types).
            var extra = ExtraOptions.AsSpan(0, ExtraOptions.Length / 8 * 8);
            extra.CopyTo(buffer.AsSpan(length));
            length += extra.Length;
            FixIcmp(buffer, length);
        }

        var ip = EthernetFrame.HeaderLength + VlanLength;
        var icmp = ip + IPv6Packet.HeaderLength;
        switch (fault)
        {
            case FrameFault.BadChecksum when !Arp:
                buffer[icmp + Icmpv6Checksum.FieldOffset] ^= 0x5A;
                break;
            case FrameFault.PayloadLengthLonger when !Arp:
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(ip + 4), (ushort)(length - icmp + 8));
                break;
            case FrameFault.PayloadLengthShorter when !Arp:
                BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(ip + 4), (ushort)Math.Max(0, length - icmp - 9));
                break;
            case FrameFault.ZeroLengthOption when !Arp:
                buffer[length] = 14;
                buffer[length + 1] = 0;
                length += 8;
                FixIcmp(buffer, length);
                break;
            case FrameFault.OversizedOption when !Arp:
                buffer[length] = 1;
                buffer[length + 1] = 0xFF;
                length += 8;
                FixIcmp(buffer, length);
                break;
            case FrameFault.HopLimit when !Arp:
                buffer[ip + 7] = 64;
                break;
            case FrameFault.EtherType:
                buffer[12 + VlanLength] ^= 0x01;
                break;
            case FrameFault.ArpHardwareLength when Arp:
                buffer[ip + 4] = 7;
                break;
            case FrameFault.TruncatedToHeader:
                length = Math.Min(length, ip + 3);
                break;
            default:
                break;
        }

        return buffer[..length];
    }

    /// <summary>Sets the IPv6 payload length to what follows the header and recomputes the ICMPv6 checksum.</summary>
    private void FixIcmp(byte[] buffer, int length)
    {
        var ip = EthernetFrame.HeaderLength + VlanLength;
        var icmp = ip + IPv6Packet.HeaderLength;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(ip + 4), (ushort)(length - icmp));
        Icmpv6Checksum.Fill(Source, Destination, buffer.AsSpan(icmp, length - icmp));
    }
}
