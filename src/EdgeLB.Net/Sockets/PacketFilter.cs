using System.Buffers.Binary;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.IPv6;

namespace EdgeLB.Net.Sockets;

/// <summary>
/// The classic BPF program attached to announcer sockets, so the kernel hands us ARP and ICMPv6
/// Neighbor Solicitation/Advertisement only, and never our own transmissions: every other frame on
/// a busy node is dropped before it is copied to user space.
/// </summary>
internal static class PacketFilter
{
    // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } opcodes from linux/bpf_common.h.
    private const ushort LoadWordAbsolute = 0x20;
    private const ushort LoadHalfAbsolute = 0x28;
    private const ushort LoadByteAbsolute = 0x30;
    private const ushort JumpIfEqual = 0x15;
    private const ushort Return = 0x06;

    // SKF_AD_OFF + SKF_AD_PKTTYPE: an "ancillary" load of skb->pkt_type.
    private const uint PacketTypeAncillary = unchecked((uint)(-0x1000 + 4));
    private const uint Accept = 0x40000;

    /// <summary>Number of instructions.</summary>
    public const int Length = 12;

    /// <summary>Writes the program as an array of 8-byte <c>sock_filter</c> (host byte order).</summary>
    public static byte[] Build()
    {
        // Offsets assume an untagged frame: the kernel strips 802.1Q tags into metadata before packet sockets see them.
        (ushort Code, byte True, byte False, uint K)[] program =
        [
            (LoadWordAbsolute, 0, 0, PacketTypeAncillary), // 0
            (JumpIfEqual, 9, 0, (uint)LinkPacketType.Outgoing), // 1: own echo -> 11 drop
            (LoadHalfAbsolute, 0, 0, 12), // 2: EtherType
            (JumpIfEqual, 6, 0, EtherType.Arp), // 3: -> 10 accept
            (JumpIfEqual, 0, 6, EtherType.IPv6), // 4: else -> 11 drop
            (LoadByteAbsolute, 0, 0, EthernetFrame.HeaderLength + 6), // 5: IPv6 next header
            (JumpIfEqual, 0, 4, IPv6Packet.Icmpv6), // 6: else -> 11 drop
            (LoadByteAbsolute, 0, 0, EthernetFrame.HeaderLength + IPv6Packet.HeaderLength), // 7: ICMPv6 type
            (JumpIfEqual, 1, 0, (uint)NeighborDiscoveryType.NeighborSolicitation), // 8: -> 10 accept
            (JumpIfEqual, 0, 1, (uint)NeighborDiscoveryType.NeighborAdvertisement), // 9: -> 10 accept, else 11
            (Return, 0, 0, Accept), // 10
            (Return, 0, 0, 0), // 11
        ];

        var bytes = new byte[program.Length * 8];
        for (var i = 0; i < program.Length; i++)
        {
            var slot = bytes.AsSpan(i * 8);
            BinaryPrimitives.WriteUInt16LittleEndian(slot, program[i].Code);
            slot[2] = program[i].True;
            slot[3] = program[i].False;
            BinaryPrimitives.WriteUInt32LittleEndian(slot[4..], program[i].K);
        }

        return bytes;
    }
}
