namespace EdgeLB.Speaker.Session;

/// <summary>How one dial ended, and so what the speaker does next.</summary>
internal enum SessionOutcomeKind
{
    /// <summary>Never got a Configuration (refused connection, timeout, error before it): try the next address after a pause.</summary>
    Failed,

    /// <summary>UNAUTHENTICATED or PERMISSION_DENIED: logged loudly, retried after a pause (a rotated token may fix it).</summary>
    Refused,

    /// <summary>A follower named the leader: dial it next, at once.</summary>
    Redirect,

    /// <summary>An established session was ended by the controller's side: orphaned holding begins.</summary>
    Lost,

    /// <summary>An established session went silent: abandoned; leases lapse on their own.</summary>
    Silent,

    /// <summary>The speaker is stopping; the drain is done.</summary>
    Stopped,
}
