using System.Runtime.InteropServices;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.IPv6;

/// <summary>
/// A Neighbor Solicitation or Advertisement (RFC 4861 §4.3/§4.4) with its link-layer address option.
/// Parsing applies the validity checks of §7.1.1/§7.1.2 that need no state.
/// </summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct NeighborDiscoveryMessage(
    NeighborDiscoveryType Type,
    NeighborAdvertisementBits Flags,
    IPv6Address Target,
    MacAddress? LinkLayerAddress)
{
    /// <summary>ICMPv6 header plus reserved/flags plus target: the fixed part of NS and NA.</summary>
    public const int FixedLength = 24;

    /// <summary>A link-layer address option for Ethernet: type, length 1 (8 bytes), MAC.</summary>
    public const int LinkLayerOptionLength = 8;

    private const byte SourceLinkLayerOption = 1;
    private const byte TargetLinkLayerOption = 2;

    /// <summary>Decodes and validates the ICMPv6 payload of <paramref name="ip"/>.</summary>
    public static ParseError Parse(in IPv6Packet ip, out NeighborDiscoveryMessage result)
    {
        result = default;
        if (ip.NextHeader != IPv6Packet.Icmpv6)
        {
            return ParseError.NotIcmpv6;
        }

        var message = ip.Payload;
        if (message.Length < 4)
        {
            return ParseError.TruncatedIcmpv6;
        }

        var type = message[0];
        if (type is not ((byte)NeighborDiscoveryType.NeighborSolicitation or (byte)NeighborDiscoveryType.NeighborAdvertisement))
        {
            return ParseError.NotNeighborDiscovery;
        }

        if (message.Length < FixedLength)
        {
            return ParseError.TruncatedIcmpv6;
        }

        if (!Icmpv6Checksum.Verify(ip.Source, ip.Destination, message))
        {
            return ParseError.Icmpv6ChecksumMismatch;
        }

        if (message[1] != 0)
        {
            return ParseError.NeighborDiscoveryBadCode;
        }

        if (ip.HopLimit != 255)
        {
            return ParseError.NeighborDiscoveryHopLimitNot255;
        }

        var target = IPv6Address.Read(message[8..]);
        if (target.IsMulticast)
        {
            return ParseError.NeighborDiscoveryMulticastTarget;
        }

        var wanted = type == (byte)NeighborDiscoveryType.NeighborSolicitation ? SourceLinkLayerOption : TargetLinkLayerOption;
        MacAddress? linkLayer = null;
        var options = message[FixedLength..];
        while (!options.IsEmpty)
        {
            if (options.Length < 2)
            {
                return ParseError.NeighborDiscoveryOptionOverrun;
            }

            if (options[1] == 0)
            {
                return ParseError.NeighborDiscoveryZeroLengthOption;
            }

            var optionLength = options[1] * 8;
            if (optionLength > options.Length)
            {
                return ParseError.NeighborDiscoveryOptionOverrun;
            }

            // Options of other types, and the other link-layer option, are ignored (RFC 4861 §4.6).
            if (options[0] == wanted)
            {
                if (optionLength != LinkLayerOptionLength)
                {
                    return ParseError.NeighborDiscoveryBadLinkLayerOption;
                }

                if (linkLayer is not null)
                {
                    return ParseError.NeighborDiscoveryDuplicateLinkLayerOption;
                }

                linkLayer = MacAddress.Read(options[2..]);
            }

            options = options[optionLength..];
        }

        var flags = NeighborAdvertisementBits.None;
        if (type == (byte)NeighborDiscoveryType.NeighborSolicitation)
        {
            if (ip.Source.IsUnspecified && (linkLayer is not null || !IsSolicitedNodeGroup(ip.Destination)))
            {
                return ParseError.NeighborSolicitationInconsistent;
            }
        }
        else
        {
            flags = (NeighborAdvertisementBits)(message[4] & 0xE0);
            if (ip.Destination.IsMulticast && (flags & NeighborAdvertisementBits.Solicited) != NeighborAdvertisementBits.None)
            {
                return ParseError.NeighborAdvertisementInconsistent;
            }
        }

        result = new NeighborDiscoveryMessage((NeighborDiscoveryType)type, flags, target, linkLayer);
        return ParseError.None;
    }

    /// <summary>
    /// Writes the ICMPv6 message (checksum included, computed over <paramref name="source"/> and
    /// <paramref name="destination"/>) and returns its length: 24, or 32 with a link-layer option.
    /// </summary>
    public int WriteTo(Span<byte> destinationBuffer, IPv6Address source, IPv6Address destination)
    {
        var length = LinkLayerAddress is null ? FixedLength : FixedLength + LinkLayerOptionLength;
        var message = destinationBuffer[..length];
        message.Clear();
        message[0] = (byte)Type;
        if (Type == NeighborDiscoveryType.NeighborAdvertisement)
        {
            message[4] = (byte)Flags;
        }

        Target.WriteTo(message[8..]);
        if (LinkLayerAddress is { } mac)
        {
            message[FixedLength] = Type == NeighborDiscoveryType.NeighborSolicitation ? SourceLinkLayerOption : TargetLinkLayerOption;
            message[FixedLength + 1] = 1;
            mac.WriteTo(message[(FixedLength + 2)..]);
        }

        Icmpv6Checksum.Fill(source, destination, message);
        return length;
    }

    private static bool IsSolicitedNodeGroup(IPv6Address address) =>
        address.High == 0xFF02_0000_0000_0000UL && (address.Low & 0xFFFF_FFFF_FF00_0000UL) == 0x0000_0001_FF00_0000UL;
}
