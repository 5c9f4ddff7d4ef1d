using System.Net.Sockets;

namespace EdgeLB.Speaker.Forwarding;

internal static class SocketOptionsExtensions
{
    // Linux: IP_FREEBIND (SOL_IP, 15) and IPV6_FREEBIND (SOL_IPV6, 78).
    private const int SolIp = 0;
    private const int IpFreebind = 15;
    private const int SolIpv6 = 41;
    private const int Ipv6Freebind = 78;

    /// <summary>
    /// A socket bound to a VIP:port (address reuse and free bind on), disposed again if binding fails.
    /// TCP and UDP frontends both start this way.
    /// </summary>
    public static Socket CreateBoundToVip(this ISocketFactory sockets, VipPort vip, SocketType type, ProtocolType protocol)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        var socket = sockets.Create(vip.Address.AddressFamily, type, protocol);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.EnableFreeBind();
            socket.Bind(vip.EndPoint);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Lets a listener bind to the VIP even in the instant before the address is on the dummy
    /// interface, so the order of address and listener changes never fails a bind.
    /// </summary>
    public static void EnableFreeBind(this Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Span<byte> one = [1, 0, 0, 0];
        if (socket.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket.SetRawSocketOption(SolIpv6, Ipv6Freebind, one);
        }
        else
        {
            socket.SetRawSocketOption(SolIp, IpFreebind, one);
        }
    }
}
