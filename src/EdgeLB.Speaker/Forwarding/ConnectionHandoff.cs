using System.Net;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// One handover in progress on the new holder: TCP segments to <see cref="Vip"/> on
/// <see cref="Ports"/> of connections this node does not know go to <see cref="PreviousHolder"/>,
/// which accepted them and still forwards them, until <see cref="Until"/>.
/// </summary>
internal sealed record ConnectionHandoff(IPAddress Vip, IReadOnlyList<int> Ports, IPAddress PreviousHolder, string Interface, DateTimeOffset Until);
