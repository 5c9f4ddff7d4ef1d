using System.Buffers.Binary;
using System.Runtime.InteropServices;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Arp;

/// <summary>An ARP packet for Ethernet and IPv4 (RFC 826), the only pairing used on a LAN.</summary>
[StructLayout(LayoutKind.Auto)]
public readonly record struct ArpPacket(
    ArpOperation Operation,
    MacAddress SenderHardware,
    IPv4Address SenderProtocol,
    MacAddress TargetHardware,
    IPv4Address TargetProtocol)
{
    /// <summary>Length of an Ethernet/IPv4 ARP packet.</summary>
    public const int Length = 28;

    private const ushort HardwareEthernet = 1;

    /// <summary>Sender and target protocol addresses equal: an announcement, whatever the opcode (RFC 5227 §2.3).</summary>
    public bool IsGratuitous => SenderProtocol == TargetProtocol && !SenderProtocol.IsAny;

    /// <summary>Sender protocol address 0.0.0.0: someone checking whether the target is in use (RFC 5227 §2.1.1).</summary>
    public bool IsProbe => Operation == ArpOperation.Request && SenderProtocol.IsAny;

    /// <summary>Decodes an ARP packet; trailing bytes (Ethernet padding) are ignored.</summary>
    public static ParseError Parse(ReadOnlySpan<byte> packet, out ArpPacket result)
    {
        result = default;
        if (packet.Length < Length)
        {
            return ParseError.TruncatedArp;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(packet) != HardwareEthernet || packet[4] != MacAddress.Length)
        {
            return ParseError.UnsupportedArpHardware;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != EtherType.IPv4 || packet[5] != 4)
        {
            return ParseError.UnsupportedArpProtocol;
        }

        var op = BinaryPrimitives.ReadUInt16BigEndian(packet[6..]);
        if (op is not (1 or 2))
        {
            return ParseError.UnsupportedArpOperation;
        }

        result = new ArpPacket(
            (ArpOperation)op,
            MacAddress.Read(packet[8..]),
            IPv4Address.Read(packet[14..]),
            MacAddress.Read(packet[18..]),
            IPv4Address.Read(packet[24..]));
        return ParseError.None;
    }

    /// <summary>Writes the 28 bytes and returns 28.</summary>
    public int WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, HardwareEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], EtherType.IPv4);
        destination[4] = MacAddress.Length;
        destination[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], (ushort)Operation);
        SenderHardware.WriteTo(destination[8..]);
        SenderProtocol.WriteTo(destination[14..]);
        TargetHardware.WriteTo(destination[18..]);
        TargetProtocol.WriteTo(destination[24..]);
        return Length;
    }
}
