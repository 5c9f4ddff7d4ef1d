using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Interfaces;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Speaker.Tests.Announcing.Lab;

/// <summary>What a lab client does to see who answers for an address: send to it, read its neighbour table.</summary>
internal static class ClientProbe
{
    /// <summary>Sends one datagram to the address, which makes the client's kernel resolve it.</summary>
    public static void Touch(NamespaceThread client, IPAddress address) => client.Invoke(() =>
    {
        using var udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        udp.SendTo(new byte[1], new IPEndPoint(address, 9));
    });

    public static async Task WaitForNeighbour(NamespaceThread client, IPAddress address, MacAddress mac, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (client.Invoke(() => NeighborTable.Find(address))?.Mac != mac)
        {
            Assert.True(DateTime.UtcNow < deadline, $"client never resolved {address} to {mac}");
            await Task.Delay(10);
        }
    }
}
