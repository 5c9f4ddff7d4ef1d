namespace EdgeLB.Speaker.Session;

/// <summary>Where the speaker's relationship with the coordinator stands.</summary>
internal enum SessionPhase
{
    /// <summary>Dialling; nothing held, or nothing held any more.</summary>
    Connecting,

    /// <summary>A session with the leader is open (its Configuration arrived).</summary>
    Established,

    /// <summary>The controller went away while VIPs were held; they are held up to the orphan limit.</summary>
    Orphaned,

    /// <summary>SIGTERM: waiting for the controller to move the VIPs.</summary>
    Draining,

    /// <summary>Done; nothing is announced.</summary>
    Stopped,
}
