using System.Net.Sockets;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Speaker.Tests.Forwarding;

/// <summary>Creates sockets inside a lab namespace; everything else about them runs on any thread.</summary>
internal sealed class NamespaceSocketFactory(NamespaceThread thread) : ISocketFactory
{
    public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol) =>
        thread.Invoke(() => new Socket(family, type, protocol));
}
