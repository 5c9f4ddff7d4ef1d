using System.Buffers.Binary;
using System.Net;
using System.Text;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Netlink;

namespace EdgeLB.Net.Interfaces;

/// <summary>
/// Lists interfaces with their MAC, link state and addresses through rtnetlink dumps. Netlink rather
/// than /sys or <c>NetworkInterface</c> because it answers for the calling thread's network namespace,
/// which is what a thread that entered another namespace expects.
/// </summary>
public static class InterfaceCatalog
{
    private const ushort AttributeAddress = 1;
    private const ushort AttributeName = 3;
    private const ushort AttributeOperState = 16;
    private const ushort AddressAttributeAddress = 1;
    private const ushort AddressAttributeLocal = 2;
    private const uint FlagUp = 0x1;
    private const uint FlagLowerUp = 0x10000;

    // Linux AF_* values; .NET's AddressFamily numbers differ (InterNetworkV6 is 23 there).
    internal const byte LinuxInet = 2;
    internal const byte LinuxInet6 = 10;

    /// <summary>Every interface of the current network namespace.</summary>
    public static IReadOnlyList<LinkInterface> GetInterfaces()
    {
        var links = new List<(int Index, string Name, MacAddress Mac, uint Flags, LinkOperationalState State)>();
        var addresses = new Dictionary<int, List<InterfaceAddress>>();
        using var netlink = new NetlinkRouteSocket();

        Span<byte> linkRequest = stackalloc byte[16]; // struct ifinfomsg, all zero: every family, every link
        linkRequest.Clear();
        netlink.Dump(NetlinkMessage.GetLink, linkRequest, message =>
        {
            if (message.Type == NetlinkMessage.NewLink && TryReadLink(message.Body, out var link))
            {
                links.Add(link);
            }
        });

        Span<byte> addressRequest = stackalloc byte[8]; // struct ifaddrmsg, family 0: IPv4 and IPv6
        addressRequest.Clear();
        netlink.Dump(NetlinkMessage.GetAddress, addressRequest, message =>
        {
            if (message.Type == NetlinkMessage.NewAddress && TryReadAddress(message.Body, out var index, out var address))
            {
                if (!addresses.TryGetValue(index, out var list))
                {
                    addresses[index] = list = [];
                }

                list.Add(address);
            }
        });

        return links
            .Select(l => new LinkInterface(
                l.Name,
                l.Index,
                l.Mac,
                (l.Flags & FlagUp) != 0,
                (l.Flags & FlagLowerUp) != 0,
                l.State,
                addresses.TryGetValue(l.Index, out var list) ? list : []))
            .ToList();
    }

    /// <summary>The interface called <paramref name="name"/>, or null.</summary>
    public static LinkInterface? Find(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return GetInterfaces().FirstOrDefault(i => i.Name == name);
    }

    private static bool TryReadLink(ReadOnlySpan<byte> body, out (int Index, string Name, MacAddress Mac, uint Flags, LinkOperationalState State) link)
    {
        link = default;
        if (body.Length < 16)
        {
            return false;
        }

        var index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(body[8..]);
        string? name = null;
        var mac = MacAddress.Zero;
        var state = LinkOperationalState.Unknown;
        var attributes = body[16..];
        while (NetlinkMessage.TryReadAttribute(ref attributes, out var type, out var value))
        {
            switch (type)
            {
                case AttributeName:
                    var end = value.IndexOf((byte)0);
                    name = Encoding.UTF8.GetString(end >= 0 ? value[..end] : value);
                    break;
                case AttributeAddress when value.Length == MacAddress.Length:
                    mac = MacAddress.Read(value);
                    break;
                case AttributeOperState when value.Length >= 1:
                    state = (LinkOperationalState)value[0];
                    break;
                default:
                    break;
            }
        }

        if (name is null)
        {
            return false;
        }

        link = (index, name, mac, flags, state);
        return true;
    }

    private static bool TryReadAddress(ReadOnlySpan<byte> body, out int index, out InterfaceAddress address)
    {
        index = 0;
        address = null!;
        if (body.Length < 8)
        {
            return false;
        }

        var family = body[0];
        var prefix = body[1];
        index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var expected = family == LinuxInet ? 4 : family == LinuxInet6 ? 16 : -1;
        IPAddress? local = null;
        IPAddress? peer = null;
        var attributes = body[8..];
        while (NetlinkMessage.TryReadAttribute(ref attributes, out var type, out var value))
        {
            if (value.Length != expected)
            {
                continue;
            }

            if (type == AddressAttributeLocal)
            {
                local = new IPAddress(value);
            }
            else if (type == AddressAttributeAddress)
            {
                peer = new IPAddress(value);
            }
        }

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
        var chosen = local ?? peer;
        if (chosen is null)
        {
            return false;
        }

        address = new InterfaceAddress(chosen, prefix);
        return true;
    }
}
