using System.Net.Sockets;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Creates the sockets of the forwarder and the health checker. A socket belongs to the network
/// namespace of the thread that created it, so tests route creation through a thread that entered
/// the forwarder's namespace; production uses <see cref="DefaultSocketFactory"/>.
/// </summary>
internal interface ISocketFactory
{
    Socket Create(AddressFamily family, SocketType type, ProtocolType protocol);
}
