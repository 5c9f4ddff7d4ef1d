using System.Net;
using EdgeLB.Net.Ethernet;

namespace EdgeLB.Speaker.Announcing;

/// <summary>Whether a probed address answered, who answered, and how long the probe took.</summary>
public sealed record ProbeResult(IPAddress Vip, bool InUse, MacAddress? OwnerMac, TimeSpan Elapsed);
