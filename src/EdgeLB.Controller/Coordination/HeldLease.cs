namespace EdgeLB.Controller.Coordination;

/// <summary>
/// A VIP a session was told to announce, at which epoch, and when the controller last sent a
/// message renewing it (an Assignment or a HeartbeatAck). The controller counts the lease from
/// that send time; the speaker counts its shorter lease from no earlier, so it stops first.
/// </summary>
internal sealed class HeldLease(ulong epoch, DateTimeOffset renewedAt)
{
    public ulong Epoch { get; set; } = epoch;

    public DateTimeOffset RenewedAt { get; set; } = renewedAt;

    /// <summary>When the controller assigned (or adopted) this epoch.</summary>
    public DateTimeOffset AssignedAt { get; } = renewedAt;

    /// <summary>The highest epoch of this VIP the speaker's heartbeats have listed (0 before any).</summary>
    public ulong ListedEpoch { get; set; }
}
