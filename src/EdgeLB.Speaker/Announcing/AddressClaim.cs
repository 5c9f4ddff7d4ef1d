using System.Net;
using EdgeLB.Net.Ethernet;

namespace EdgeLB.Speaker.Announcing;

/// <summary>Another host said it owns an address we hold.</summary>
/// <param name="Vip">The address.</param>
/// <param name="InterfaceName">Where the frame arrived.</param>
/// <param name="OurMac">Our MAC on that interface.</param>
/// <param name="ClaimantMac">The MAC the frame says owns the address.</param>
/// <param name="Kind">Which frame.</param>
/// <param name="Epoch">The epoch under which we hold the address.</param>
/// <param name="ReceivedAt">When the frame was read (TimeProvider clock).</param>
/// <param name="ReceivedTimestamp">Stopwatch timestamp of the read, for latency measurement.</param>
/// <param name="HeldSince">When we started holding the address under <paramref name="Epoch"/> (TimeProvider clock).</param>
/// <param name="Verdict">The verdict applied; <see cref="ClaimVerdict.Ignore"/> while handlers run.</param>
public sealed record AddressClaim(
    IPAddress Vip,
    string InterfaceName,
    MacAddress OurMac,
    MacAddress ClaimantMac,
    ClaimKind Kind,
    long Epoch,
    DateTimeOffset ReceivedAt,
    long ReceivedTimestamp,
    DateTimeOffset HeldSince,
    ClaimVerdict Verdict = ClaimVerdict.Ignore);
