namespace EdgeLB.Sandbox.Lab;

/// <summary>How a <see cref="ClientProber"/> probes, and its bounds.</summary>
public sealed record ProberOptions
{
    /// <summary>A new connection every this often.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>A probe that has not been answered after this long counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);

    public int MaxProbes { get; init; } = 100_000;

    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    public int MaxInFlight { get; init; } = 400;
}
