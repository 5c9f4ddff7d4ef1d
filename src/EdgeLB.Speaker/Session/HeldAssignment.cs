using System.Net;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Speaker.Session;

/// <summary>One VIP this speaker was assigned: under which epoch, where, until when, and what it forwards.</summary>
internal sealed class HeldAssignment(IPAddress vip, ulong epoch, string interfaceName)
{
    public IPAddress Vip { get; } = vip;

    public ulong Epoch { get; set; } = epoch;

    public string InterfaceName { get; set; } = interfaceName;

    /// <summary>
    /// The session's lease: the speaker stops the VIP itself when it passes. Mirrored into the
    /// announcer, which also stops by itself should this process stall.
    /// </summary>
    public DateTimeOffset LeaseUntil { get; set; }

    /// <summary>When the session last started a gratuitous burst for it (Assign sends the first frames at once).</summary>
    public DateTimeOffset LastGarp { get; set; }

    public HashSet<VipPort> Ports { get; } = [];

    public IReadOnlyList<string> Services { get; set; } = [];
}
