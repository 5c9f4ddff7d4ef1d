namespace EdgeLB.Sandbox.Lab;

/// <summary>What a <see cref="LabCluster"/> starts.</summary>
public sealed record LabClusterOptions
{
    /// <summary>Prefix of the lab's namespace names (no dashes); the process id and a counter follow it.</summary>
    public string Tag { get; init; } = "el9";

    /// <summary>The <c>edgelb</c> executable the controller and speaker processes run.</summary>
    public required string Edgelb { get; init; }

    public int Nodes { get; init; } = 3;

    /// <summary>Controller replicas on the control host (leader election picks one).</summary>
    public int Controllers { get; init; } = 1;

    /// <summary>Start one speaker per node (when the <c>edgelb</c> given has the speaker command).</summary>
    public bool Speakers { get; init; } = true;

    /// <summary>Where logs, kubeconfigs and token files go (default: a new directory under /tmp).</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>Leader Lease timings of the controllers; short ones make leader failover quick in tests.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>--log-level of the processes.</summary>
    public string LogLevel { get; init; } = "Information";

    /// <summary>Extra arguments for every speaker, e.g. <c>--data-plane nftables</c>.</summary>
    public IReadOnlyList<string> SpeakerArguments { get; init; } = [];

    /// <summary>Extra environment (EDGELB_* settings) for the controllers and speakers.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Session timings far above the defaults (40 ms heartbeat, 200 ms lease) for a lab on a shared,
    /// loaded machine: the earlier, tighter defaults dropped sessions there, and a speaker that needs
    /// longer than the lease to set up forwarding (it runs ip(8)) gets Assignments whose lease has
    /// already ended. A killed speaker still fails over at once: its closed session moves its VIPs
    /// without waiting for the lease.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RelaxedSessionTimings { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["EDGELB_HEARTBEATINTERVAL"] = "00:00:00.250",
        ["EDGELB_SPEAKERLEASE"] = "00:00:02",
        ["EDGELB_LEASEMARGIN"] = "00:00:00.300",
    };
}
