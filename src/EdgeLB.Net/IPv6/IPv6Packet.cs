using System.Buffers.Binary;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.IPv6;

/// <summary>A decoded fixed IPv6 header (RFC 8200) over the caller's buffer; extension headers are not followed.</summary>
public readonly ref struct IPv6Packet
{
    public const int HeaderLength = 40;

    /// <summary>Next header value for ICMPv6.</summary>
    public const byte Icmpv6 = 58;

    public byte TrafficClass { get; init; }

    public int FlowLabel { get; init; }

    public byte NextHeader { get; init; }

    public byte HopLimit { get; init; }

    public IPv6Address Source { get; init; }

    public IPv6Address Destination { get; init; }

    /// <summary>Exactly the payload-length bytes after the header; Ethernet padding is cut off.</summary>
    public ReadOnlySpan<byte> Payload { get; init; }

    public static ParseError Parse(ReadOnlySpan<byte> packet, out IPv6Packet result)
    {
        result = default;
        if (packet.Length < HeaderLength)
        {
            return ParseError.TruncatedIPv6Header;
        }

        var first = BinaryPrimitives.ReadUInt32BigEndian(packet);
        if (first >> 28 != 6)
        {
            return ParseError.NotIPv6;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
        if (payloadLength > packet.Length - HeaderLength)
        {
            return ParseError.IPv6PayloadLengthExceedsFrame;
        }

        result = new IPv6Packet
        {
            TrafficClass = (byte)(first >> 20),
            FlowLabel = (int)(first & 0xFFFFF),
            NextHeader = packet[6],
            HopLimit = packet[7],
            Source = IPv6Address.Read(packet[8..]),
            Destination = IPv6Address.Read(packet[24..]),
            Payload = packet.Slice(HeaderLength, payloadLength),
        };
        return ParseError.None;
    }

    /// <summary>Writes a 40-byte header (traffic class and flow label zero) and returns 40.</summary>
    public static int WriteHeader(Span<byte> destination, int payloadLength, byte nextHeader, byte hopLimit, IPv6Address source, IPv6Address target)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)payloadLength, (uint)ushort.MaxValue, nameof(payloadLength));
        BinaryPrimitives.WriteUInt32BigEndian(destination, 6u << 28);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], (ushort)payloadLength);
        destination[6] = nextHeader;
        destination[7] = hopLimit;
        source.WriteTo(destination[8..]);
        target.WriteTo(destination[24..]);
        return HeaderLength;
    }
}
