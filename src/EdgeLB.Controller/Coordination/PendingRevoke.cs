namespace EdgeLB.Controller.Coordination;

/// <summary>
/// An unplanned move waiting for the old holder to let go: it was sent a Revoke, and the VIP goes
/// to nobody else until the old holder's heartbeat shows it stopped, its session ends, or the lease
/// the controller last granted it runs out. Two nodes each seeing the other's gratuitous ARP would
/// both step down and leave the VIP dark; this ordering means only one ever claims it.
/// </summary>
/// <remarks>
/// <see cref="WasAnnounced"/>: the old holder had reported the VIP at this epoch before the Revoke, so
/// the Assignment was no longer in flight and a later heartbeat without it can only mean it
/// stopped. Otherwise a heartbeat without it may predate the Assignment's arrival: wait for the lease.
/// </remarks>
internal sealed record PendingRevoke(string Node, ulong Epoch, DateTimeOffset LeaseEnd, bool WasAnnounced)
{
    public bool WasAnnounced { get; set; } = WasAnnounced;
}
