using System.Net;
using EdgeLB.Core.Addresses;
using EdgeLB.Net.Interfaces;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf;

namespace EdgeLB.Speaker.Session;

/// <summary>
/// What the node offers the controller, read from the kernel's interface list on every call (links
/// and addresses change): the interfaces VIPs may be announced on, the node's addresses, link health.
/// </summary>
internal sealed class NodeInventory(SessionOptions options, Func<IReadOnlyList<LinkInterface>> interfaces)
{
    /// <summary>Interfaces offered for announcing.</summary>
    public IReadOnlyList<LinkInterface> Offered()
    {
        var all = interfaces();
        return [.. all.Where(IsOffered)];
    }

    public Hello BuildHello(string instanceId)
    {
        var offered = Offered();
        var hello = new Hello
        {
            NodeName = options.NodeName,
            Version = options.Version,
            InstanceId = instanceId,
            Capabilities = new Capabilities
            {
                Ipv4 = true,
                Ipv6 = true,
                ForwardTcp = true,
                ForwardUdp = true,
                SessionAffinity = true,
                PreserveSource = false,
            },
        };
        hello.NodeAddresses.AddRange(options.NodeAddresses.Count > 0 ? options.NodeAddresses : NodeAddresses(offered));
        foreach (var link in offered)
        {
            var nic = new NetworkInterface
            {
                Name = link.Name,
                Index = link.Index,
                Mac = MacBytes(link.Mac),
                LinkUp = link.IsUp && link.HasCarrier,
            };
            nic.Addresses.AddRange(link.Addresses.Select(a => new IpPrefix { Address = a.Address.ToString(), PrefixLength = (uint)a.PrefixLength }));
            hello.Interfaces.Add(nic);
        }

        return hello;
    }

    /// <summary>Link state of every offered interface, and the node's health derived from them.</summary>
    public (IReadOnlyList<LinkHealth> Links, Rpc.Contract.V1.Health Node) LinkReport()
    {
        var links = Offered()
            .Select(l => new LinkHealth
            {
                Interface = l.Name,
                LinkUp = l.IsUp && l.HasCarrier,
                Health = l.IsUp && l.HasCarrier ? Rpc.Contract.V1.Health.Ok : Rpc.Contract.V1.Health.Failed,
            })
            .ToList();
        var up = links.Count(l => l.LinkUp);
        var node = up == 0 ? Rpc.Contract.V1.Health.Failed : up < links.Count ? Rpc.Contract.V1.Health.Degraded : Rpc.Contract.V1.Health.Ok;
        return (links, node);
    }

    /// <summary>
    /// The interface to announce <paramref name="vip"/> on when the Assignment names none: the one
    /// whose subnet holds it, else the first offered interface with link up.
    /// </summary>
    public string? InterfaceFor(IPAddress vip)
    {
        var offered = Offered();
        var onLink = offered.FirstOrDefault(l => l.Addresses.Any(a => Contains(a, vip)));
        return (onLink ?? offered.FirstOrDefault(l => l.IsUp && l.HasCarrier))?.Name;
    }

    public static ByteString MacBytes(EdgeLB.Net.Ethernet.MacAddress mac)
    {
        Span<byte> bytes = stackalloc byte[EdgeLB.Net.Ethernet.MacAddress.Length];
        mac.WriteTo(bytes);
        return ByteString.CopyFrom(bytes);
    }

    private bool IsOffered(LinkInterface link)
    {
        if (link.Mac.IsZero || options.ExcludedInterfaces.Contains(link.Name, StringComparer.Ordinal))
        {
            return false;
        }

        return options.Interfaces.Count == 0 || options.Interfaces.Contains(link.Name, StringComparer.Ordinal);
    }

    private static IEnumerable<string> NodeAddresses(IReadOnlyList<LinkInterface> offered) =>
        offered
            .SelectMany(l => l.Addresses)
            .Select(a => a.Address)
            .Where(a => !IPAddress.IsLoopback(a) && !(a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && (a.IsIPv6LinkLocal || a.IsIPv6Multicast)))
            .Select(a => a.ToString())
            .Distinct(StringComparer.Ordinal);

    private static bool Contains(InterfaceAddress prefix, IPAddress address)
    {
        if (prefix.Address.AddressFamily != address.AddressFamily)
        {
            return false;
        }

        var network = IPValue.FromAddress(prefix.Address);
        var hostBits = network.Bits - Math.Clamp(prefix.PrefixLength, 0, network.Bits);
        var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        return (network.Value & ~hostMask) == (IPValue.FromAddress(address).Value & ~hostMask);
    }
}
