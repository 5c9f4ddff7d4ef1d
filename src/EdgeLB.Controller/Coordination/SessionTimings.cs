namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The default heartbeat interval and leases of speaker sessions, and the checks on them.
/// </summary>
/// <remarks>
/// The numbers follow from three requirements measured in the netns lab on a 2-core machine:
/// <list type="bullet">
/// <item>A speaker whose session ends (its process exits or is killed: the kernel sends FIN/RST)
/// is replaced at once, whatever the lease: the stream ending is the signal, so that path costs
/// one Assignment (well under a millisecond here) plus the new holder's first gratuitous ARP.</item>
/// <item>A silent node (dead, link down) is replaced when the lease the controller granted has
/// run out, measured from when the controller sent the last ack. The node dies at a random point
/// in a heartbeat interval, so detection takes on average Lease − Interval/2 plus the check period
/// (Lease/15): 75 − 7.5 + 2.5 ≈ 70 ms median, ≤ 80 ms worst, leaving room under 100 ms for the
/// new holder's gratuitous ARP and the client's retry.</item>
/// <item>No spurious failover with both cores saturated: a busy speaker may be late by
/// Lease − Interval = 60 ms (four heartbeats in a row lost or late) before the controller moves
/// its VIPs. Processes that mostly sleep get the CPU back from CFS within a few milliseconds of
/// waking even behind CPU hogs, and .NET's gen-0 pauses on these small heaps are sub-millisecond,
/// so 60 ms is an order of magnitude above the delays seen under load. The speaker is told a lease
/// shorter by the margin (60 ms), so it stops announcing a lapsed VIP before the controller hands
/// it to someone else even if the ack that renewed it reached it up to 15 ms late.</item>
/// </list>
/// The price is 1/Interval ≈ 67 heartbeats a second per speaker; the coordinator benchmark
/// (hack/bench/coordinator.sh) measures what 1,000 speakers cost the controller at this rate.
/// </remarks>
public static class SessionTimings
{
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromMilliseconds(40);

    public static readonly TimeSpan DefaultSpeakerLease = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan DefaultLeaseMargin = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// How often the controller looks for lapsed leases and pending plans: a fifteenth of the
    /// lease, at most 50 ms (plans wait for this tick).
    /// </summary>
    public static TimeSpan CheckPeriod(TimeSpan lease) => TimeSpan.FromTicks(Math.Clamp(lease.Ticks / 15, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerMillisecond * 50));

    /// <summary>Why the session settings cannot be used, naming the setting.</summary>
    public static IEnumerable<string> Validate(ControllerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(1))
        {
            yield return $"--heartbeat-interval: {options.HeartbeatInterval} must be at least 1 ms";
        }

        if (options.SpeakerLease < options.HeartbeatInterval * 3)
        {
            yield return $"--speaker-lease: {options.SpeakerLease} must be at least three heartbeat intervals ({options.HeartbeatInterval * 3})";
        }

        if (options.LeaseMargin < TimeSpan.Zero || options.SpeakerLease - options.LeaseMargin < options.HeartbeatInterval * 2)
        {
            yield return $"--lease-margin: {options.LeaseMargin} must be at least 0 and leave the speaker two heartbeat intervals of lease";
        }

        if (options.RelearnTimeout < TimeSpan.Zero || options.RelearnTimeout > TimeSpan.FromMinutes(5))
        {
            yield return $"--relearn-timeout: {options.RelearnTimeout} is not between 0 and 5 minutes";
        }

        if (options.GarpCount is < 1 or > 10)
        {
            yield return $"--garp-count: {options.GarpCount} is not between 1 and 10";
        }

        if (options.GarpInterval <= TimeSpan.Zero)
        {
            yield return $"--garp-interval: {options.GarpInterval} must be positive";
        }

        if (options.GarpRefresh < TimeSpan.Zero)
        {
            yield return $"--garp-refresh: {options.GarpRefresh} must not be negative";
        }

        if (string.IsNullOrWhiteSpace(options.TokenAudience))
        {
            yield return "--token-audience: must not be empty";
        }

        if (options.SpeakerServiceAccount is { } account && account.Trim().Length == 0)
        {
            yield return "--speaker-service-account: must not be blank";
        }

        if (options.GrpcAdvertise is { } advertise && !HostPort.TryParse(advertise, out _, out _))
        {
            yield return $"--grpc-advertise: \"{advertise}\" is not host:port";
        }
    }
}
