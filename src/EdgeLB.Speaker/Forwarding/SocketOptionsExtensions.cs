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
