using System.Net.Sockets;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>Creates sockets in the namespace of the calling process.</summary>
internal sealed class DefaultSocketFactory : ISocketFactory
{
    public static DefaultSocketFactory Instance { get; } = new();

    public Socket Create(AddressFamily family, SocketType type, ProtocolType protocol) => new(family, type, protocol);
}
