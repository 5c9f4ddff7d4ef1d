namespace EdgeLB.Net.Netlink;

/// <summary>Receives one netlink message; the span is only valid during the call.</summary>
internal delegate void NetlinkMessageHandler(NetlinkMessage message);
