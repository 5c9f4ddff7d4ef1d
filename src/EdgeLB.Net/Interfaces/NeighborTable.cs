using System.Buffers.Binary;
using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Netlink;

namespace EdgeLB.Net.Interfaces;

/// <summary>Reads the kernel neighbour cache of the calling thread's network namespace (RTM_GETNEIGH).</summary>
public static class NeighborTable
{
    private const ushort AttributeDestination = 1;
    private const ushort AttributeLinkLayer = 2;

    public static IReadOnlyList<NeighborEntry> Read()
    {
        var entries = new List<NeighborEntry>();
        using var netlink = new NetlinkRouteSocket();
        Span<byte> request = stackalloc byte[12]; // struct ndmsg, family 0: both families
        request.Clear();
        netlink.Dump(NetlinkMessage.GetNeighbor, request, message =>
        {
            if (message.Type == NetlinkMessage.NewNeighbor && TryRead(message.Body, out var entry))
            {
                entries.Add(entry);
            }
        });
        return entries;
    }

    /// <summary>The entry for <paramref name="address"/>, or null.</summary>
    public static NeighborEntry? Find(IPAddress address) => Read().FirstOrDefault(e => e.Address.Equals(address));

    private static bool TryRead(ReadOnlySpan<byte> body, out NeighborEntry entry)
    {
        entry = null!;
        if (body.Length < 12)
        {
            return false;
        }

        var family = body[0];
        if (family is not (InterfaceCatalog.LinuxInet or InterfaceCatalog.LinuxInet6))
        {
            return false;
        }

        var index = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
        var state = BinaryPrimitives.ReadUInt16LittleEndian(body[8..]);
        IPAddress? address = null;
        MacAddress? mac = null;
        var attributes = body[12..];
        while (NetlinkMessage.TryReadAttribute(ref attributes, out var type, out var value))
        {
            if (type == AttributeDestination && value.Length is 4 or 16)
            {
                address = new IPAddress(value);
            }
            else if (type == AttributeLinkLayer && value.Length == MacAddress.Length)
            {
                mac = MacAddress.Read(value);
            }
        }

        if (address is null)
        {
            return false;
        }

        entry = new NeighborEntry(index, address, mac, state);
        return true;
    }
}
