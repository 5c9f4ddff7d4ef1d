namespace EdgeLB.Benchmarks.Chaos;

/// <summary>How long and how hard the chaos soak runs.</summary>
internal sealed record ChaosOptions
{
    public required string Edgelb { get; init; }

    /// <summary>Time spent injecting faults (the control-plane outage and start-up come on top).</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);

    public int Services { get; init; } = 5;

    /// <summary>How long the closing control-plane outage lasts.</summary>
    public int ControlOutageSeconds { get; init; } = 30;

    /// <summary>Seed of the fault choices, printed so a run can be repeated.</summary>
    public int Seed { get; init; }

    /// <summary>The lab's relaxed session timings (250 ms heartbeat, 2 s lease) instead of the defaults.</summary>
    public bool RelaxedTimings { get; init; } = true;
}
