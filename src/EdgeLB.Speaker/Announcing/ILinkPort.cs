using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Ip;

namespace EdgeLB.Speaker.Announcing;

/// <summary>One interface as the announcer uses it: send frames, receive ARP/ND frames, join groups.</summary>
internal interface ILinkPort : IDisposable
{
    string InterfaceName { get; }

    int InterfaceIndex { get; }

    MacAddress Mac { get; }

    /// <summary>The interface's link-local address, the source of unsolicited advertisements; null if it has none.</summary>
    IPv6Address? LinkLocal { get; }

    void Send(ReadOnlySpan<byte> frame);

    /// <summary>Blocks up to <paramref name="timeout"/>; returns 0 when nothing arrived. Never returns our own transmissions.</summary>
    int Receive(Span<byte> buffer, TimeSpan timeout);

    void JoinMulticast(MacAddress group);

    void LeaveMulticast(MacAddress group);
}
