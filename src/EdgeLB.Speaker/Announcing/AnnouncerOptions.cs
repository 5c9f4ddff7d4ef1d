namespace EdgeLB.Speaker.Announcing;

/// <summary>Timing of announcements and checks.</summary>
public sealed class AnnouncerOptions
{
    /// <summary>
    /// When to repeat the gratuitous burst, measured from the assign: frames get lost and switches
    /// learn late. <remarks>Defaults to 0.5 s, 2 s and 5 s.</remarks>
    /// </summary>
    public IList<TimeSpan> RepeatSchedule { get; } = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// Re-announce every held address this often so switch MAC tables and neighbour caches do not age
    /// out; <see cref="TimeSpan.Zero"/> disables. <remarks>Defaults to 30 s.</remarks>
    /// </summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="IAnnouncer.ProbeAsync"/> waits for an owner. <remarks>Defaults to 250 ms.</remarks></summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Probes sent within the probe window. <remarks>Defaults to 2.</remarks></summary>
    public int ProbeCount { get; set; } = 2;

    /// <summary>
    /// Least time between two defences of one address against false claims; a claim within it is
    /// answered once at its end. RFC 5227's DEFEND_INTERVAL is 10 s for a host that gives its address
    /// up at the second conflict; a VIP is never given up to a frame (§2.4 (c)), so the window is
    /// shorter: a claim that persists leaves neighbours wrong for at most this long.
    /// <remarks>Defaults to 1 s.</remarks>
    /// </summary>
    public TimeSpan DefendInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the receive loop blocks before checking for shutdown. <remarks>Defaults to 200 ms.</remarks></summary>
    public TimeSpan ReceivePollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Throws <see cref="InvalidOperationException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (RepeatSchedule.Any(t => t <= TimeSpan.Zero))
        {
            throw new InvalidOperationException("RepeatSchedule entries must be positive.");
        }

        if (RefreshInterval < TimeSpan.Zero)
        {
            throw new InvalidOperationException("RefreshInterval must be zero (off) or positive.");
        }

        if (ProbeTimeout <= TimeSpan.Zero || ProbeTimeout > TimeSpan.FromSeconds(10))
        {
            throw new InvalidOperationException("ProbeTimeout must be in (0, 10 s].");
        }

        if (ProbeCount is < 1 or > 10)
        {
            throw new InvalidOperationException("ProbeCount must be 1..10.");
        }

        if (DefendInterval < TimeSpan.Zero || ReceivePollInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("DefendInterval must be >= 0 and ReceivePollInterval > 0.");
        }
    }
}
