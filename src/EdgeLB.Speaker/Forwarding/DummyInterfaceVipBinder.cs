using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Netlink;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Holds assigned VIPs as /32 and /128 addresses on a dummy interface (<c>edgelb0</c>) of the
/// holding node only.
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
/// At start the interface is deleted and created again (with iproute2, once), which drops every VIP
/// left by a crashed run; a revoke deletes the one address.
/// </para>
/// <para>
/// Adding and removing a VIP goes through rtnetlink rather than an <c>ip</c> process: a new holder
/// adds the address before it announces, so this sits inside the failover outage, and on a busy node
/// a process spawn costs tens of milliseconds where the netlink exchange costs tens of microseconds.
/// </para>
/// <para>
/// Kernels built without the dummy driver (some minimal VM kernels) get an <c>ifb</c> device
/// instead: equally inert (NOARP, never transmits routed traffic), and just as good at holding
/// local addresses.
/// </para>
/// <para>
/// <c>openAddresses</c> opens the netlink editor in the namespace that holds the interface: on a
/// node <see cref="InterfaceAddressEditor.Open"/> (the process's own), in tests a lab namespace's.
/// </para>
/// </summary>
internal sealed class DummyInterfaceVipBinder(ICommandRunner runner, ForwardingOptions options, Func<InterfaceAddressEditor> openAddresses) : IVipBinder
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

    public Task AddAsync(IPAddress vip, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Edit("adding", vip, (editor, index) => editor.Replace(index, vip, PrefixLength(vip)));
        return Task.CompletedTask;
    }

    public Task RemoveAsync(IPAddress vip, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // Already gone (EADDRNOTAVAIL) is what we want, so Remove's answer does not matter here.
        Edit("removing", vip, (editor, index) => editor.Remove(index, vip, PrefixLength(vip)));
        return Task.CompletedTask;
    }

    private static int PrefixLength(IPAddress vip) => vip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;

    /// <summary>
    /// Runs one netlink edit on the VIP interface. The index is looked up each time because start-up
    /// recreates the interface; that costs one more exchange on the same socket, not a process.
    /// </summary>
    private void Edit(string action, IPAddress vip, Action<InterfaceAddressEditor, int> edit)
    {
        try
        {
            using var editor = openAddresses();
            edit(editor, editor.GetIndex(_link));
        }
        catch (Exception ex) when (ex is NetlinkException or SocketException)
        {
            throw new InvalidOperationException($"{action} VIP {vip} on {_link} failed: {ex.Message}", ex);
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
