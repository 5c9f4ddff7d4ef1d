using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Ip;
using EdgeLB.Net.Sockets;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.E2E;

/// <summary>
/// A rogue host on the lab's segment that claims addresses with any MAC: a gratuitous ARP request
/// (with Thomas Habets' arping, <c>-U -s MAC -p</c>, as an attacker would, when that arping is the
/// one installed; else the same frame written with EdgeLB.Net's codec), or an unsolicited Neighbor
/// Advertisement with Override (the codec, from a packet socket).
/// </summary>
internal sealed class ClaimForger : IDisposable
{
    private static readonly Lazy<bool> HabetsArping = new(() =>
        ProcessRunner.RunAsync("arping", ["--help"], check: false).GetAwaiter().GetResult().Contains("Habets", StringComparison.Ordinal));

    private readonly NamespaceThread _thread;
    private readonly LinkSocket _socket;

    private ClaimForger(LabHost host, NamespaceThread thread, LinkSocket socket)
    {
        Host = host;
        _thread = thread;
        _socket = socket;
    }

    public LabHost Host { get; }

    public static async Task<ClaimForger> StartAsync(LabCluster lab)
    {
        var host = await lab.Network.AddHostAsync($"rogue{Guid.NewGuid().ToString("N")[..4]}");
        var thread = host.EnterThread();
        try
        {
            var socket = thread.Invoke(() => LinkSocket.Open(InterfaceCatalog.GetInterfaces().First(i => i.Name == "eth0").Index));
            return new ClaimForger(host, thread, socket);
        }
        catch
        {
            thread.Dispose();
            throw;
        }
    }

    /// <summary>Sends one frame saying that <paramref name="mac"/> owns <paramref name="address"/>.</summary>
    public async Task ClaimAsync(IPAddress address, MacAddress mac)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork && HabetsArping.Value)
        {
            // Waits a second for an answer that never comes; the frame has left long before.
            await Host.RunAsync("arping", "-i", "eth0", "-U", "-S", address.ToString(), "-s", mac.ToString(), "-p", "-c", "1", "-w", "1", address.ToString())
                .ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        var frame = new byte[FrameWriter.MaxFrameLength];
        var length = address.AddressFamily == AddressFamily.InterNetwork
            ? FrameWriter.WriteGratuitousArpRequest(frame, mac, IPv4Address.From(address))
            : FrameWriter.WriteUnsolicitedNeighborAdvertisement(frame, mac, IPv6Address.From(IPAddress.Parse(Host.IPv6)), IPv6Address.From(address));
        _socket.Send(frame.AsSpan(0, length));
    }

    public void Dispose()
    {
        _socket.Dispose();
        _thread.Dispose();
    }
}
