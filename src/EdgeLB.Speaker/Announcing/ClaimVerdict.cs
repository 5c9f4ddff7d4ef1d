namespace EdgeLB.Speaker.Announcing;

/// <summary>What the announcer does about a claim, as decided by the session's handler.</summary>
public enum ClaimVerdict
{
    /// <summary>Report only (the default for unknown MACs: a conflict to surface, not an order).</summary>
    Ignore = 0,

    /// <summary>Re-announce once, at most every <see cref="AnnouncerOptions.DefendInterval"/> (RFC 5227 §2.4 (b)).</summary>
    Defend = 1,

    /// <summary>Stop announcing now: the claimant is the rightful new holder.</summary>
    StepDown = 2,
}
