using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// Makes a TCP server of this process (listening on the root namespace's loopback) reachable from
/// the lab: it listens on an address inside a lab namespace and pipes each connection to the
/// target. The in-memory API server stays in-process (so the lab can issue tokens) while the
/// controller and speakers reach it over the lab network like a real API server.
/// </summary>
public static class NamespaceRelay
{
    public static LabListener Start(NamespaceThread ns, IPEndPoint listen, IPEndPoint target) =>
        LabListener.Start(ns, listen, (inbound, ct) => PipeAsync(inbound, target, ct));

    private static async Task PipeAsync(Socket inbound, IPEndPoint target, CancellationToken ct)
    {
        // Created on a pool thread, so in this process's own (root) namespace, where the target listens.
        using var outbound = new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        inbound.NoDelay = true;
        await outbound.ConnectAsync(target, ct);
        await Task.WhenAll(CopyAsync(inbound, outbound, ct), CopyAsync(outbound, inbound, ct));
    }

    private static async Task CopyAsync(Socket from, Socket to, CancellationToken ct)
    {
        await using var source = new NetworkStream(from, ownsSocket: false);
        await using var destination = new NetworkStream(to, ownsSocket: false);
        await source.CopyToAsync(destination, ct);
        to.Shutdown(SocketShutdown.Send);
    }
}
