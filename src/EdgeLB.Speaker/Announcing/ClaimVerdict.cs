namespace EdgeLB.Speaker.Announcing;

/// <summary>What the announcer does about a claim, as decided by the session's handler.</summary>
public enum ClaimVerdict
{
    /// <summary>Report only: a known peer's claim, for the controller to judge.</summary>
    Ignore = 0,

    /// <summary>
    /// Re-announce at once, at most once per <see cref="AnnouncerOptions.DefendInterval"/>; a claim within
    /// it is answered once at its end (RFC 5227 §2.4 (b), kept up as in (c)).
    /// </summary>
    Defend = 1,

    /// <summary>Stop announcing now: the claimant is taken as the rightful new holder (only while orphaned).</summary>
    StepDown = 2,
}
