using EdgeLB.Core.Addresses;

namespace EdgeLB.Controller.Coordination;

/// <summary>The coordinator's knowledge of one VIP: who announces it, at which epoch, and any handover in flight.</summary>
internal sealed class VipRecord(IPValue address)
{
    public IPValue Address { get; } = address;

    /// <summary>The group the VIP belongs to now (its election key).</summary>
    public string GroupKey { get; set; } = string.Empty;

    /// <summary>The node assigned to announce it; null when none is.</summary>
    public string? Holder { get; set; }

    public string Interface { get; set; } = string.Empty;

    /// <summary>Epoch of the current assignment (0 when never assigned).</summary>
    public ulong Epoch { get; set; }

    /// <summary>The node <see cref="Epoch"/> was handed to (or learned from); it stays when that node loses the VIP.</summary>
    public string? EpochNode { get; set; }

    /// <summary>A make-before-break move in flight: the previous holder keeps announcing until the new one reports it.</summary>
    public (string Node, ulong Epoch)? HandoverFrom { get; set; }

    /// <summary>During a handover, the previous holder's node address, for the new holder to pass it the connections it still serves.</summary>
    public string PreviousHolder { get; set; } = string.Empty;

    /// <summary>An unplanned move waiting for the old holder to confirm it stopped; nobody is assigned meanwhile.</summary>
    public PendingRevoke? Revoking { get; set; }

    /// <summary>Since when nobody announces it (for the time-without-owner histogram); null while owned.</summary>
    public DateTimeOffset? OwnerlessSince { get; set; }

    /// <summary>When it lost its holder, until the next holder's heartbeat lists it (for the failover-duration histogram); null otherwise.</summary>
    public DateTimeOffset? FailoverSince { get; set; }

    /// <summary>Why it lost its owner, for the failover metric.</summary>
    public string? OwnerlessCause { get; set; }

    /// <summary>The Assignment last sent, to resend only when ports or backends change.</summary>
    public Rpc.Contract.V1.Assignment? LastAssignment { get; set; }

    /// <summary>The node standing by to take it over (forwarding ready, not announcing); null when none is.</summary>
    public string? Standby { get; set; }

    /// <summary>The Standby last sent to <see cref="Standby"/>, to resend only when it changes.</summary>
    public Rpc.Contract.V1.Standby? LastStandby { get; set; }

    /// <summary>When, and for which group, the last <c>AddressConflict</c> Event was raised (a claim on the wire by a MAC that was not given the VIP).</summary>
    public (DateTimeOffset At, string GroupKey)? LastConflictEvent { get; set; }

    /// <summary>When the holder last reported sending gratuitous ARP / NA for it.</summary>
    public DateTimeOffset? LastGarp { get; set; }
}
