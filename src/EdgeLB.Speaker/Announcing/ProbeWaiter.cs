using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Ip;

namespace EdgeLB.Speaker.Announcing;

/// <summary>An outstanding "is this address in use?" question, answered by the receive thread.</summary>
internal sealed class ProbeWaiter(IPv4Address? v4, IPv6Address? v6)
{
    public IPv4Address? V4 { get; } = v4;

    public IPv6Address? V6 { get; } = v6;

    public TaskCompletionSource<MacAddress> Answered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
