using System.Buffers.Binary;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.IPv6;

/// <summary>The ICMPv6 checksum (RFC 4443 §2.3): one's-complement sum over the IPv6 pseudo-header and the message.</summary>
public static class Icmpv6Checksum
{
    /// <summary>Offset of the checksum field inside an ICMPv6 message.</summary>
    public const int FieldOffset = 2;

    /// <summary>
    /// The checksum of <paramref name="message"/> as it stands. With the field zeroed this is the value
    /// to store; over a message with a correct checksum it is 0.
    /// </summary>
    public static ushort Compute(IPv6Address source, IPv6Address destination, ReadOnlySpan<byte> message)
    {
        ulong sum = 0;
        sum += Fold(source.High) + Fold(source.Low) + Fold(destination.High) + Fold(destination.Low);
        sum += (ulong)message.Length;
        sum += IPv6Packet.Icmpv6;

        var i = 0;
        for (; i + 1 < message.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(message[i..]);
        }

        if (i < message.Length)
        {
            sum += (ulong)message[i] << 8;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }

    /// <summary>Whether the stored checksum of <paramref name="message"/> is right.</summary>
    public static bool Verify(IPv6Address source, IPv6Address destination, ReadOnlySpan<byte> message) =>
        Compute(source, destination, message) == 0;

    /// <summary>Computes the checksum of a message whose checksum field is zero and stores it there.</summary>
    public static void Fill(IPv6Address source, IPv6Address destination, Span<byte> message)
    {
        BinaryPrimitives.WriteUInt16BigEndian(message[FieldOffset..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[FieldOffset..], Compute(source, destination, message));
    }

    private static ulong Fold(ulong v) => (v >> 48) + ((v >> 32) & 0xFFFF) + ((v >> 16) & 0xFFFF) + (v & 0xFFFF);
}
