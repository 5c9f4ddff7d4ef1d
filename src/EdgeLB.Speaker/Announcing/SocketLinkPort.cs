using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Ip;
using EdgeLB.Net.Sockets;

namespace EdgeLB.Speaker.Announcing;

/// <summary>An <see cref="ILinkPort"/> over a filtered AF_PACKET <see cref="LinkSocket"/>.</summary>
internal sealed class SocketLinkPort(LinkSocket socket, string interfaceName, MacAddress mac, IPv6Address? linkLocal) : ILinkPort
{
    public string InterfaceName { get; } = interfaceName;

    public int InterfaceIndex => socket.InterfaceIndex;

    public MacAddress Mac { get; } = mac;

    public IPv6Address? LinkLocal { get; } = linkLocal;

    public void Send(ReadOnlySpan<byte> frame) => socket.Send(frame);

    public int Receive(Span<byte> buffer, TimeSpan timeout) => socket.Receive(buffer, timeout, out _);

    public void JoinMulticast(MacAddress group) => socket.JoinMulticast(group);

    public void LeaveMulticast(MacAddress group) => socket.LeaveMulticast(group);

    public void Dispose() => socket.Dispose();
}
