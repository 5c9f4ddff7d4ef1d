using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Holds assigned VIPs as /32 and /128 addresses on a dummy interface (<c>edgelb0</c>) of the
/// holding node only, via iproute2.
/// <para>
/// Why a dummy interface: the kernel then treats the VIP as local, so listeners bind to it normally,
/// replies leave with the VIP as source, and the nftables plane's DNAT sees ordinary local traffic.
/// Because the address is not on the LAN interface, the kernel must not answer ARP for it there:
/// <c>net.ipv4.conf.all.arp_ignore=1</c> (reply only for addresses of the receiving interface) and
/// <c>arp_announce=2</c> (never use a VIP as ARP source) leave ARP for the VIP to EdgeLB's announcer,
/// which answers only while it holds the lease. IPv6 needs no sysctl: the kernel answers Neighbor
/// Solicitations only for addresses of the receiving interface. These are the settings kube-proxy's
/// IPVS mode uses for the same reason (strictARP).
/// </para>
/// <para>
/// At start the interface is deleted and created again, which drops every VIP left by a crashed
/// run; a revoke deletes the one address.
/// </para>
/// <para>
/// Kernels built without the dummy driver (some minimal VM kernels) get an <c>ifb</c> device
/// instead: equally inert (NOARP, never transmits routed traffic), and just as good at holding
/// local addresses.
/// </para>
/// </summary>
internal sealed class DummyInterfaceVipBinder(ICommandRunner runner, ForwardingOptions options) : IVipBinder
{
    private readonly string _link = options.InterfaceName;

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        // Absent after a clean stop or on a fresh node; only a failure to create it is an error.
        await runner.RunAsync("ip", ["link", "del", _link], null, cancellationToken);
        var added = await runner.RunAsync("ip", ["link", "add", _link, "type", "dummy"], null, cancellationToken);
        if (!added.Succeeded && added.StandardError.Contains("Unknown device type", StringComparison.Ordinal))
        {
            added = await runner.RunAsync("ip", ["link", "add", _link, "type", "ifb"], null, cancellationToken);
        }

        if (!added.Succeeded)
        {
            throw new InvalidOperationException($"ip link add {_link} failed: {added.StandardError.Trim()}");
        }

        await RunCheckedAsync(["link", "set", _link, "up"], cancellationToken);
        if (options.ManageSysctls)
        {
            var result = await runner.RunAsync("sysctl", ["-q", "-w", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"], null, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"sysctl arp_ignore/arp_announce failed: {result.StandardError.Trim()}");
            }
        }
    }

    public Task AddAsync(IPAddress vip, CancellationToken cancellationToken) =>
        vip.AddressFamily == AddressFamily.InterNetworkV6
            ? RunCheckedAsync(["-6", "addr", "replace", $"{vip}/128", "dev", _link, "nodad"], cancellationToken)
            : RunCheckedAsync(["addr", "replace", $"{vip}/32", "dev", _link], cancellationToken);

    public async Task RemoveAsync(IPAddress vip, CancellationToken cancellationToken)
    {
        var prefix = vip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        var result = await runner.RunAsync("ip", ["addr", "del", $"{vip}/{prefix}", "dev", _link], null, cancellationToken);
        // "Cannot assign requested address" means it is already gone, which is what we want.
        if (!result.Succeeded && !result.StandardError.Contains("Cannot assign", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"ip addr del {vip} dev {_link} failed: {result.StandardError.Trim()}");
        }
    }

    private async Task RunCheckedAsync(string[] args, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("ip", args, null, cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed: {result.StandardError.Trim()}");
        }
    }
}
