using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Sockets;

namespace EdgeLB.Speaker.Announcing;

/// <summary>The real host: rtnetlink for interfaces, AF_PACKET sockets, /proc/sys.</summary>
internal sealed class HostLinkEnvironment : ILinkEnvironment
{
    public ILinkPort OpenPort(string interfaceName)
    {
        var link = InterfaceCatalog.Find(interfaceName)
            ?? throw new InvalidOperationException($"interface '{interfaceName}' does not exist in this network namespace");
        if (link.Mac.IsZero)
        {
            throw new InvalidOperationException($"interface '{interfaceName}' has no Ethernet address; ARP and ND need one");
        }

        var linkLocal = link.Addresses
            .Select(a => a.Address)
            .Where(a => a.IsIPv6LinkLocal)
            .Select(a => (Net.Ip.IPv6Address?)Net.Ip.IPv6Address.From(a))
            .FirstOrDefault();
        return new SocketLinkPort(LinkSocket.Open(link.Index), link.Name, link.Mac, linkLocal);
    }

    public IReadOnlyList<LinkInterface> GetInterfaces() => InterfaceCatalog.GetInterfaces();

    public IDisposable WatchLinks(Action<InterfaceChangedEventArgs> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var monitor = new InterfaceMonitor();
        monitor.Changed += (_, change) => onChange(change);
        return monitor;
    }

    public string? ReadSysctl(string path)
    {
        var full = Path.Combine("/proc/sys", path);
        try
        {
            return File.Exists(full) ? File.ReadAllText(full).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
