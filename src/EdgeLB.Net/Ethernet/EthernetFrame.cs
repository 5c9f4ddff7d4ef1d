using System.Buffers.Binary;

namespace EdgeLB.Net.Ethernet;

/// <summary>
/// A decoded Ethernet II header over the caller's buffer, with at most one 802.1Q tag. The payload
/// is a slice of the input, so nothing is copied; it may include the padding of short frames.
/// </summary>
public readonly ref struct EthernetFrame
{
    /// <summary>Length of an untagged Ethernet II header.</summary>
    public const int HeaderLength = 14;

    /// <summary>Length of an 802.1Q tag.</summary>
    public const int VlanTagLength = 4;

    /// <summary>Smallest frame on the wire without the FCS; shorter frames are padded to it.</summary>
    public const int MinimumLength = 60;

    public MacAddress Destination { get; init; }

    public MacAddress Source { get; init; }

    /// <summary>The EtherType after any VLAN tag.</summary>
    public ushort EtherType { get; init; }

    /// <summary>Whether an 802.1Q tag was present in the frame bytes.</summary>
    public bool HasVlanTag { get; init; }

    /// <summary>The 16-bit tag control information (priority, DEI, VLAN id) when <see cref="HasVlanTag"/>.</summary>
    public ushort VlanTci { get; init; }

    /// <summary>The VLAN id (low 12 bits of the TCI).</summary>
    public int VlanId => VlanTci & 0x0FFF;

    public ReadOnlySpan<byte> Payload { get; init; }

    /// <summary>Decodes the header; <see cref="ParseError.None"/> on success.</summary>
    public static ParseError Parse(ReadOnlySpan<byte> frame, out EthernetFrame result)
    {
        result = default;
        if (frame.Length < HeaderLength)
        {
            return ParseError.TruncatedEthernetHeader;
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var offset = HeaderLength;
        ushort tci = 0;
        var tagged = false;
        if (type == Ethernet.EtherType.Vlan)
        {
            if (frame.Length < HeaderLength + VlanTagLength)
            {
                return ParseError.TruncatedVlanTag;
            }

            tagged = true;
            tci = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[16..]);
            offset += VlanTagLength;
        }

        // Values up to 1500 are 802.3 lengths, not types; we speak Ethernet II only.
        if (type < 0x0600)
        {
            return ParseError.UnsupportedEtherType;
        }

        result = new EthernetFrame
        {
            Destination = MacAddress.Read(frame),
            Source = MacAddress.Read(frame[6..]),
            EtherType = type,
            HasVlanTag = tagged,
            VlanTci = tci,
            Payload = frame[offset..],
        };
        return ParseError.None;
    }

    /// <summary>Writes a header (tagged when <paramref name="vlanTci"/> is given) and returns its length.</summary>
    public static int WriteHeader(Span<byte> destination, MacAddress to, MacAddress from, ushort etherType, ushort? vlanTci = null)
    {
        to.WriteTo(destination);
        from.WriteTo(destination[6..]);
        if (vlanTci is { } tci)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[12..], Ethernet.EtherType.Vlan);
            BinaryPrimitives.WriteUInt16BigEndian(destination[14..], tci);
            BinaryPrimitives.WriteUInt16BigEndian(destination[16..], etherType);
            return HeaderLength + VlanTagLength;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], etherType);
        return HeaderLength;
    }
}
