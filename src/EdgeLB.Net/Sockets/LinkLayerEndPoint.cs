using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Ethernet;

namespace EdgeLB.Net.Sockets;

/// <summary>
/// A <c>sockaddr_ll</c> (Linux packet socket address). .NET has no endpoint for AF_PACKET, but it
/// passes the bytes of any <see cref="SocketAddress"/> through to bind/sendto unchanged.
/// </summary>
internal sealed class LinkLayerEndPoint : EndPoint
{
    /// <summary>sizeof(struct sockaddr_ll).</summary>
    public const int Size = 20;

    private const ushort HardwareTypeEthernet = 1;

    public LinkLayerEndPoint(int interfaceIndex, ushort protocol, MacAddress address = default, LinkPacketType packetType = LinkPacketType.Host)
    {
        InterfaceIndex = interfaceIndex;
        Protocol = protocol;
        Address = address;
        PacketType = packetType;
    }

    public int InterfaceIndex { get; }

    /// <summary>EtherType, host order here; written big-endian.</summary>
    public ushort Protocol { get; }

    public MacAddress Address { get; }

    public LinkPacketType PacketType { get; }

    public override AddressFamily AddressFamily => AddressFamily.Packet;

    public override SocketAddress Serialize()
    {
        var address = new SocketAddress(AddressFamily.Packet, Size);
        var bytes = address.Buffer.Span;
        BinaryPrimitives.WriteUInt16BigEndian(bytes[2..], Protocol);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[4..], InterfaceIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[8..], HardwareTypeEthernet);
        bytes[10] = (byte)PacketType;
        bytes[11] = MacAddress.Length;
        Address.WriteTo(bytes[12..]);
        return address;
    }

    public override EndPoint Create(SocketAddress socketAddress)
    {
        ArgumentNullException.ThrowIfNull(socketAddress);
        var bytes = socketAddress.Buffer.Span;
        return new LinkLayerEndPoint(
            BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            MacAddress.Read(bytes[12..]),
            ReadPacketType(socketAddress));
    }

    /// <summary>The pkttype byte of a received address, read without building an endpoint.</summary>
    public static LinkPacketType ReadPacketType(SocketAddress address) => (LinkPacketType)address.Buffer.Span[10];
}
