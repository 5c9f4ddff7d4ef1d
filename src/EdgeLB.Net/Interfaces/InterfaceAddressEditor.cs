using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeLB.Net.Netlink;

namespace EdgeLB.Net.Interfaces;

/// <summary>
/// Adds and removes interface addresses with rtnetlink (RTM_NEWADDR / RTM_DELADDR) instead of
/// spawning <c>ip</c>: a few system calls instead of a process, which matters where the address is on
/// the failover path. Needs CAP_NET_ADMIN. It works in the network namespace of the thread that
/// opened it, like every socket.
/// </summary>
/// <remarks>One request at a time: the socket's answers are read in line with each request.</remarks>
public sealed class InterfaceAddressEditor : IDisposable
{
    private const int InterfaceNameSize = 16; // IFNAMSIZ, with the terminating NUL
    private const int LinkMessageLength = 16; // struct ifinfomsg
    private const int AddressMessageLength = 8; // struct ifaddrmsg
    private const ushort LinkAttributeName = 3; // IFLA_IFNAME
    private const ushort AddressAttributeAddress = 1; // IFA_ADDRESS
    private const ushort AddressAttributeLocal = 2; // IFA_LOCAL
    private const byte AddressFlagNoDad = 0x02; // IFA_F_NODAD
    private const int ErrorExists = 17; // EEXIST
    private const int ErrorAddressNotAvailable = 99; // EADDRNOTAVAIL

    private readonly NetlinkRouteSocket _netlink;

    private InterfaceAddressEditor(NetlinkRouteSocket netlink) => _netlink = netlink;

    /// <summary>Opens the editor in the calling thread's network namespace.</summary>
    public static InterfaceAddressEditor Open() => new(new NetlinkRouteSocket());

    /// <summary>The index of the interface called <paramref name="name"/> (RTM_GETLINK by name).</summary>
    /// <exception cref="NetlinkException">No such interface (ENODEV), or the kernel refused.</exception>
    public int GetIndex(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        if (nameBytes >= InterfaceNameSize)
        {
            throw new ArgumentException($"interface name '{name}' is longer than {InterfaceNameSize - 1} bytes", nameof(name));
        }

        Span<byte> request = stackalloc byte[LinkMessageLength + Align(4 + nameBytes + 1)];
        request.Clear();
        var value = WriteAttributeHeader(request[LinkMessageLength..], LinkAttributeName, nameBytes + 1);
        Encoding.UTF8.GetBytes(name, value);

        var index = 0;
        var error = _netlink.Request(NetlinkMessage.GetLink, 0, request, message =>
        {
            if (message.Type == NetlinkMessage.NewLink && message.Body.Length >= LinkMessageLength)
            {
                index = BinaryPrimitives.ReadInt32LittleEndian(message.Body[4..]);
            }
        });
        if (error != 0)
        {
            throw new NetlinkException($"RTM_GETLINK {name}", error);
        }

        return index != 0 ? index : throw new NetlinkException($"RTM_GETLINK {name} answered no link");
    }

    /// <summary>
    /// Puts <paramref name="address"/>/<paramref name="prefixLength"/> on the interface, or leaves it
    /// there if it already is (NLM_F_CREATE | NLM_F_REPLACE, as <c>ip addr replace</c>). IPv6 addresses
    /// skip duplicate address detection, so they are usable at once.
    /// </summary>
    public void Replace(int interfaceIndex, IPAddress address, int prefixLength)
    {
        var error = _netlink.Request(NetlinkMessage.NewAddress, NetlinkRouteSocket.FlagCreate | NetlinkRouteSocket.FlagReplace, AddressRequest(interfaceIndex, address, prefixLength));
        if (error != 0 && error != ErrorExists)
        {
            throw new NetlinkException($"RTM_NEWADDR {address}/{prefixLength} on interface {interfaceIndex}", error);
        }
    }

    /// <summary>Takes <paramref name="address"/>/<paramref name="prefixLength"/> off the interface.</summary>
    /// <returns>False when it was not there (EADDRNOTAVAIL), which is the wanted end state too.</returns>
    public bool Remove(int interfaceIndex, IPAddress address, int prefixLength)
    {
        var error = _netlink.Request(NetlinkMessage.DeleteAddress, 0, AddressRequest(interfaceIndex, address, prefixLength));
        return error switch
        {
            0 => true,
            ErrorAddressNotAvailable => false,
            _ => throw new NetlinkException($"RTM_DELADDR {address}/{prefixLength} on interface {interfaceIndex}", error),
        };
    }

    public void Dispose() => _netlink.Dispose();

    /// <summary>struct ifaddrmsg followed by IFA_LOCAL and IFA_ADDRESS, both the address itself.</summary>
    private static byte[] AddressRequest(int interfaceIndex, IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(interfaceIndex);
        var ipv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var size = ipv6 ? 16 : 4;
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, size * 8);

        var attribute = Align(4 + size);
        var request = new byte[AddressMessageLength + (2 * attribute)];
        request[0] = ipv6 ? InterfaceCatalog.LinuxInet6 : InterfaceCatalog.LinuxInet;
        request[1] = (byte)prefixLength;
        request[2] = ipv6 ? AddressFlagNoDad : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(request.AsSpan(4), interfaceIndex);
        var attributes = request.AsSpan(AddressMessageLength);
        address.TryWriteBytes(WriteAttributeHeader(attributes, AddressAttributeLocal, size), out _);
        address.TryWriteBytes(WriteAttributeHeader(attributes[attribute..], AddressAttributeAddress, size), out _);
        return request;
    }

    /// <summary>Writes a <c>struct rtattr</c> header and returns the space for its value.</summary>
    private static Span<byte> WriteAttributeHeader(Span<byte> destination, ushort type, int valueLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)(4 + valueLength));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], type);
        return destination.Slice(4, valueLength);
    }

    private static int Align(int length) => (length + 3) & ~3;
}
