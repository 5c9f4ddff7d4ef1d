using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EdgeLB.Net.Ethernet;

namespace EdgeLB.Net.Sockets;

/// <summary>
/// A raw AF_PACKET socket bound to one interface (Linux; needs CAP_NET_RAW). It sends whole Ethernet
/// frames and, unless opened unfiltered, receives only ARP and ICMPv6 NS/NA through a kernel BPF
/// filter; our own transmissions are dropped both by the filter and in code.
/// </summary>
/// <remarks>
/// Receiving is meant for one thread (the receive address buffer is reused); sending is thread-safe.
/// The socket belongs to the network namespace of the thread that opened it, wherever it is used later.
/// </remarks>
public sealed class LinkSocket : IDisposable
{
    private const int SolSocket = 1;
    private const int SoAttachFilter = 26;
    private const int SolPacket = 263;
    private const int PacketAddMembership = 1;
    private const int PacketDropMembership = 2;
    private const int PacketIgnoreOutgoing = 23;
    private const int PacketMrMulticast = 0;
    private const int PacketMrAllMulti = 2;

    // ReceiveFrom insists on room for the largest address of the family, and shrinks Size to what arrived.
    private static readonly int ReceivedAddressSize = SocketAddress.GetMaximumAddressSize(AddressFamily.Packet);

    private readonly Socket _socket;
    private readonly SocketAddress _received = new(AddressFamily.Packet, ReceivedAddressSize);
    private readonly SocketAddress _arpDestination;
    private readonly SocketAddress _ipv6Destination;
    private long _outgoingDropped;

    private LinkSocket(Socket socket, int interfaceIndex)
    {
        _socket = socket;
        InterfaceIndex = interfaceIndex;
        _arpDestination = new LinkLayerEndPoint(interfaceIndex, EtherType.Arp).Serialize();
        _ipv6Destination = new LinkLayerEndPoint(interfaceIndex, EtherType.IPv6).Serialize();
    }

    public int InterfaceIndex { get; }

    /// <summary>Whether the kernel filter (ARP + ND only) is attached.</summary>
    public bool IsFiltered { get; private init; }

    /// <summary>Own transmissions that reached us anyway (kernels without PACKET_IGNORE_OUTGOING) and were dropped.</summary>
    public long OutgoingDropped => Interlocked.Read(ref _outgoingDropped);

    /// <summary>Opens and binds the socket to <paramref name="interfaceIndex"/>.</summary>
    /// <param name="interfaceIndex">The interface index in the calling thread's network namespace.</param>
    /// <param name="arpAndNeighborDiscoveryOnly">Attach the kernel filter; false receives every frame (diagnostics).</param>
    public static LinkSocket Open(int interfaceIndex, bool arpAndNeighborDiscoveryOnly = true)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("AF_PACKET sockets exist on Linux only.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);

        // Protocol 0 at creation: nothing is queued until bind, so no unfiltered frame slips in before the filter is attached.
        var socket = new Socket(AddressFamily.Packet, SocketType.Raw, ProtocolType.Unspecified);
        try
        {
            if (arpAndNeighborDiscoveryOnly)
            {
                AttachFilter(socket, PacketFilter.Build());
            }

            try
            {
                socket.SetRawSocketOption(SolPacket, PacketIgnoreOutgoing, BitConverter.GetBytes(1));
            }
            catch (SocketException)
            {
                // Before Linux 4.20; outgoing frames are then dropped by the filter and by pkttype in code.
            }

            socket.ReceiveBufferSize = 1 << 20;
            socket.Bind(new LinkLayerEndPoint(interfaceIndex, EtherType.All));
            return new LinkSocket(socket, interfaceIndex) { IsFiltered = arpAndNeighborDiscoveryOnly };
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (<see cref="Timeout.InfiniteTimeSpan"/>: forever) for a
    /// frame and reads it, skipping our own echoes.
    /// </summary>
    /// <returns>The frame length, or 0 when nothing arrived in time.</returns>
    public int Receive(Span<byte> buffer, TimeSpan timeout, out LinkPacketType packetType)
    {
        var infinite = timeout == Timeout.InfiniteTimeSpan;
        var deadline = Environment.TickCount64 + (infinite ? 0 : (long)timeout.TotalMilliseconds);
        while (true)
        {
            var left = deadline - Environment.TickCount64;
            if (!infinite && left < 0)
            {
                packetType = default;
                return 0;
            }

            if (!_socket.Poll(infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(left), SelectMode.SelectRead))
            {
                packetType = default;
                return 0;
            }

            _received.Size = ReceivedAddressSize;
            var length = _socket.ReceiveFrom(buffer, SocketFlags.None, _received);
            packetType = LinkLayerEndPoint.ReadPacketType(_received);
            if (packetType == LinkPacketType.Outgoing)
            {
                Interlocked.Increment(ref _outgoingDropped);
                continue;
            }

            return length;
        }
    }

    /// <summary>Sends one complete Ethernet frame out of the bound interface.</summary>
    public void Send(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < EthernetFrame.HeaderLength)
        {
            throw new ArgumentException("A frame needs at least an Ethernet header.", nameof(frame));
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        _socket.SendTo(frame, SocketFlags.None, type == EtherType.IPv6 ? _ipv6Destination : _arpDestination);
    }

    /// <summary>Asks the NIC to deliver frames for an Ethernet multicast group (e.g. a solicited-node group).</summary>
    public void JoinMulticast(MacAddress group) => Membership(PacketAddMembership, PacketMrMulticast, group);

    public void LeaveMulticast(MacAddress group) => Membership(PacketDropMembership, PacketMrMulticast, group);

    /// <summary>Receive every multicast frame (PACKET_MR_ALLMULTI), for NICs without enough group filters.</summary>
    public void SetAllMulticast(bool enabled) =>
        Membership(enabled ? PacketAddMembership : PacketDropMembership, PacketMrAllMulti, MacAddress.Zero);

    public void Dispose() => _socket.Dispose();

    private void Membership(int option, int type, MacAddress address)
    {
        // struct packet_mreq { int mr_ifindex; unsigned short mr_type; unsigned short mr_alen; unsigned char mr_address[8]; }
        Span<byte> request = stackalloc byte[16];
        request.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(request, InterfaceIndex);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], (ushort)type);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], type == PacketMrMulticast ? (ushort)MacAddress.Length : (ushort)0);
        address.WriteTo(request[8..]);
        _socket.SetRawSocketOption(SolPacket, option, request);
    }

    private static void AttachFilter(Socket socket, byte[] program)
    {
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; }: the kernel copies the
        // program during setsockopt, so pinning for the call is enough.
        var handle = GCHandle.Alloc(program, GCHandleType.Pinned);
        try
        {
            Span<byte> fprog = stackalloc byte[16];
            fprog.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(fprog, (ushort)(program.Length / 8));
            BinaryPrimitives.WriteInt64LittleEndian(fprog[8..], handle.AddrOfPinnedObject().ToInt64());
            socket.SetRawSocketOption(SolSocket, SoAttachFilter, fprog);
        }
        finally
        {
            handle.Free();
        }
    }
}
