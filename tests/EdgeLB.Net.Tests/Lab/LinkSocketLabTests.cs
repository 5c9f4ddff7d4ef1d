using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;
using EdgeLB.Net.Sockets;
using EdgeLB.Sandbox.Lab;
using Xunit.Abstractions;

namespace EdgeLB.Net.Tests.Lab;

/// <summary>
/// The link socket on a real kernel: a client and a node namespace on one bridge. Sockets are created
/// on a <see cref="NamespaceThread"/> inside the node's namespace and used from the test thread.
/// </summary>
public class LinkSocketLabTests(ITestOutputHelper output)
{
    [NetworkFact]
    public async Task SentFrames_AreDecodedByTshark()
    {
        await using var lab = await NetworkLab.CreateAsync("tshark");
        var client = await lab.AddHostAsync("client");
        var node = await lab.AddHostAsync("node1");
        using var ns = node.EnterThread();
        var eth0 = ns.Invoke(() => InterfaceCatalog.Find("eth0"))!;
        using var socket = ns.Invoke(() => LinkSocket.Open(eth0.Index));
        var vip = IPv4Address.From(IPAddress.Parse($"198.18.{lab.Subnet}.100"));
        var vip6 = IPv6Address.From(IPAddress.Parse($"2001:db8:{lab.Subnet:x}::100"));
        var linkLocal = IPv6Address.From(IPAddress.Parse("fe80::1234"));

        // Capture only what the node sends: its GARPs and NAs (type 136), not its kernel's DAD/RS/MLD.
        var capture = client.RunAsync(
            "tshark", "-l", "-n", "-i", "eth0", "-c", "3", "-a", "duration:20",
            "-f", $"ether src {eth0.Mac} and (arp or (icmp6 and ip6[40] == 136))",
            "-T", "fields", "-E", "separator=|",
            "-e", "eth.dst", "-e", "eth.src", "-e", "arp.opcode", "-e", "arp.src.hw_mac", "-e", "arp.src.proto_ipv4",
            "-e", "arp.dst.hw_mac", "-e", "arp.dst.proto_ipv4", "-e", "ipv6.hlim", "-e", "ipv6.dst", "-e", "icmpv6.type",
            "-e", "icmpv6.nd.na.flag.s", "-e", "icmpv6.nd.na.flag.o", "-e", "icmpv6.nd.na.target_address",
            "-e", "icmpv6.opt.linkaddr", "-e", "icmpv6.checksum.status");

        var buffer = new byte[FrameWriter.MaxFrameLength];
        var sent = 0;
        while (!capture.IsCompleted && sent < 150)
        {
            // tshark takes a moment to start; one set per round, so the first three captured are one of each.
            await Task.Delay(150);
            socket.Send(buffer.AsSpan(0, FrameWriter.WriteGratuitousArpRequest(buffer, eth0.Mac, vip)));
            await Task.Delay(5);
            socket.Send(buffer.AsSpan(0, FrameWriter.WriteGratuitousArpReply(buffer, eth0.Mac, vip)));
            await Task.Delay(5);
            socket.Send(buffer.AsSpan(0, FrameWriter.WriteUnsolicitedNeighborAdvertisement(buffer, eth0.Mac, linkLocal, vip6)));
            sent++;
        }

        var lines = (await capture).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine(string.Join('\n', lines));
        var mac = eth0.Mac.ToString();
        var v4 = vip.ToString();
        Assert.Contains(lines, l => l == $"ff:ff:ff:ff:ff:ff|{mac}|1|{mac}|{v4}|00:00:00:00:00:00|{v4}||||||||");
        Assert.Contains(lines, l => l == $"ff:ff:ff:ff:ff:ff|{mac}|2|{mac}|{v4}|{mac}|{v4}||||||||");
        var na = Assert.Single(lines, l => l.Contains("|136|", StringComparison.Ordinal));
        var f = na.Split('|');
        Assert.Equal("33:33:00:00:00:01", f[0]);
        Assert.Equal("255", f[7]);
        Assert.Equal("ff02::1", f[8]);
        Assert.Equal(("False", "True"), (NormalizeFlag(f[10]), NormalizeFlag(f[11])));
        Assert.Equal(vip6.ToString(), f[12]);
        Assert.Equal(mac, f[13]);
        Assert.Equal("1", f[14]); // PROTO_CHECKSUM_E_GOOD
    }

    [NetworkFact]
    public async Task ArpingAndKernelSolicitations_ParseCorrectly()
    {
        await using var lab = await NetworkLab.CreateAsync("arping");
        var client = await lab.AddHostAsync("client");
        var node = await lab.AddHostAsync("node1");
        using var ns = node.EnterThread();
        var eth0 = ns.Invoke(() => InterfaceCatalog.Find("eth0"))!;
        using var socket = ns.Invoke(() => LinkSocket.Open(eth0.Index));
        var clientMac = MacAddress.Parse(client.Mac);
        var target = IPv4Address.From(IPAddress.Parse($"198.18.{lab.Subnet}.200"));

        await client.RunAsync("arping", "-i", "eth0", "-c", "1", "-w", "1", target.ToString()).ContinueWith(_ => { }, TaskScheduler.Default);
        var request = ReceiveUntil(socket, (in LinkFrame f) => f.Kind == LinkFrameKind.Arp && f.Ethernet.Source == clientMac, out var arp);
        Assert.True(request, "no ARP request from arping arrived");
        Assert.Equal(ArpOperation.Request, arp.Arp.Operation);
        Assert.Equal(clientMac, arp.Arp.SenderHardware);
        Assert.Equal(IPv4Address.From(IPAddress.Parse(client.IPv4)), arp.Arp.SenderProtocol);
        Assert.Equal(target, arp.Arp.TargetProtocol);
        Assert.Equal(MacAddress.Broadcast, arp.Ethernet.Destination);

        // The client's kernel resolving an IPv6 neighbour sends a real Neighbor Solicitation.
        var target6 = IPAddress.Parse($"2001:db8:{lab.Subnet:x}::200");
        using (var clientNs = client.EnterThread())
        {
            clientNs.Invoke(() =>
            {
                using var udp = new Socket(AddressFamily.InterNetworkV6, SocketType.Dgram, ProtocolType.Udp);
                udp.SendTo(new byte[1], new IPEndPoint(target6, 9));
            });
        }

        // Match the target: the client's kernel also solicits for its own link-local address (DAD).
        var wanted = IPv6Address.From(target6);
        var solicited = ReceiveUntil(
            socket,
            (in LinkFrame f) => f.Kind == LinkFrameKind.NeighborSolicitation && f.Ethernet.Source == clientMac && f.NeighborDiscovery.Target == wanted,
            out var ns6);
        Assert.True(solicited, "no Neighbor Solicitation from the client kernel arrived");
        Assert.Equal(clientMac, ns6.NeighborDiscovery.LinkLayerAddress);
        Assert.Equal(IPv6Address.SolicitedNode(IPv6Address.From(target6)), ns6.IPv6Destination);
    }

    [NetworkFact]
    public async Task InterfaceCatalogAndMonitor_SeeNamespaceInterfaces()
    {
        await using var lab = await NetworkLab.CreateAsync("ifaces");
        var node = await lab.AddHostAsync("node1");
        using var ns = node.EnterThread();
        var eth0 = ns.Invoke(() => InterfaceCatalog.Find("eth0"));
        Assert.NotNull(eth0);
        Assert.Equal(MacAddress.Parse(node.Mac), eth0.Mac);
        Assert.True(eth0.IsUp);
        Assert.Contains(eth0.Addresses, a => a.Address.Equals(IPAddress.Parse(node.IPv4)) && a.PrefixLength == 24);
        Assert.Contains(eth0.Addresses, a => a.Address.Equals(IPAddress.Parse(node.IPv6)) && a.PrefixLength == 64);
        Assert.Contains(ns.Invoke(InterfaceCatalog.GetInterfaces), i => i.Name == "lo");

        using var monitor = ns.Invoke(() => new InterfaceMonitor());
        var changes = new System.Collections.Concurrent.ConcurrentQueue<InterfaceChangedEventArgs>();
        monitor.Changed += (_, e) => changes.Enqueue(e);
        await node.RunAsync("ip", "addr", "add", $"198.18.{lab.Subnet}.77/32", "dev", "eth0");
        await lab.SetLinkAsync(node, up: false);
        await WaitFor(() => changes.Any(c => c.Kind == InterfaceChangeKind.AddressAdded && c.InterfaceIndex == eth0.Index)
            && changes.Any(c => c.Kind == InterfaceChangeKind.LinkChanged && c.InterfaceIndex == eth0.Index));
        await WaitFor(() => !ns.Invoke(() => InterfaceCatalog.Find("eth0"))!.HasCarrier);
        Assert.Contains(ns.Invoke(() => InterfaceCatalog.Find("eth0"))!.Addresses, a => a.Address.Equals(IPAddress.Parse($"198.18.{lab.Subnet}.77")));
    }

    private delegate bool FramePredicate(in LinkFrame frame);

    private static bool ReceiveUntil(LinkSocket socket, FramePredicate match, out CapturedFrame captured)
    {
        var buffer = new byte[2048];
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            var length = socket.Receive(buffer, TimeSpan.FromMilliseconds(200), out var type);
            Assert.NotEqual(LinkPacketType.Outgoing, type);
            if (length > 0 && LinkFrame.Parse(buffer.AsSpan(0, length), out var frame) == ParseError.None && match(frame))
            {
                captured = new CapturedFrame(frame.Ethernet.Source, frame.Ethernet.Destination, frame.Arp, frame.NeighborDiscovery, frame.IPv6Destination);
                return true;
            }
        }

        captured = default!;
        return false;
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5 s");
            await Task.Delay(20);
        }
    }

    private static string NormalizeFlag(string value) => value switch
    {
        "1" or "True" or "true" => "True",
        _ => "False",
    };

    private sealed record CapturedFrame(MacAddress Source, MacAddress Destination, ArpPacket Arp, NeighborDiscoveryMessage NeighborDiscovery, IPv6Address IPv6Destination)
    {
        public CapturedFrame Ethernet => this;
    }
}
