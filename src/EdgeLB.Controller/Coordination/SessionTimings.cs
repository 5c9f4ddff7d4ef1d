namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The default heartbeat interval and leases of speaker sessions, and the checks on them.
/// </summary>
/// <remarks>
/// The numbers follow from these requirements on a loaded 2-core machine:
/// <list type="bullet">
/// <item>A speaker whose session ends (its process exits or is killed: the kernel sends FIN/RST)
/// is replaced at once, whatever the lease: the stream ending is the signal, so that path costs
/// one Assignment plus the new holder's first gratuitous ARP.</item>
/// <item>A silent node (dead, link down) is replaced when the lease the controller granted has
/// run out, measured from when the controller queued the last ack. The node dies at a random point
/// in a heartbeat interval, so detection takes Lease − Interval/2 plus up to one check period
/// (Lease/15) on average: 200 − 20 + 7 ≈ 187 ms median, ≤ 213 ms worst, inside the 100–250 ms
/// target with the new holder's gratuitous ARP.</item>
/// <item>No spurious failover with both cores saturated: a speaker may be late by
/// Lease − Interval = 160 ms (four heartbeats in a row lost or late) before the controller moves
/// its VIPs, and its own lease (200 − 40 = 160 ms) survives three late acks. The earlier 15 ms /
/// 75 ms left 60 ms and cost 67 heartbeats a second per speaker, more than 1,000 speakers and
/// their controller can exchange on two cores. Sessions also dropped at 100 ms / 500 ms, far
/// above scheduling delays; what the code showed: acks waited in the session's outbox behind
/// every Assignment and Configuration queued before them (now they overtake,
/// <see cref="SpeakerSession.SendAck"/>), full peer lists went to every session every 500 ms while
/// speakers connected (n² entries; now spaced out with n²), and the speaker applied an Assignment
/// (forwarder set-up, 100–200 ms on a busy node) before it read the acks behind it, so the new VIP's
/// lease ran out before it was announced (the speaker now reads acks while it applies). A stall of
/// the controller itself no longer counts against the speakers either (<see cref="Coordinator.Tick"/>).</item>
/// <item>The margin (40 ms) is how much earlier than the controller the speaker's lease ends: an
/// Assignment's lease runs from its receipt, a renewal's from when the answered heartbeat was sent,
/// both no earlier than the controller's own count.</item>
/// </list>
/// The price is 25 heartbeats a second per speaker: 25,000 a second at 1,000 speakers, more than
/// the leader can answer on two cores (the coordinator benchmark, hack/bench/coordinator.sh, stalled
/// there). So the total is bounded (<see cref="Scale"/>): past <see cref="DefaultHeartbeatBudget"/>
/// heartbeats a second every timing doubles, as often as needed; 80 speakers keep 40/200 ms,
/// 1,000 speakers get 640 ms / 3.2 s. A killed speaker is still replaced at once (its session
/// ends); only the detection of silent nodes slows down with the cluster's size.
/// </remarks>
public static class SessionTimings
{
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromMilliseconds(40);

    public static readonly TimeSpan DefaultSpeakerLease = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan DefaultLeaseMargin = TimeSpan.FromMilliseconds(40);

    /// <summary>
    /// Heartbeats a second the leader answers from all speakers together by default: at 500 a
    /// second (20 speakers) it used 11% of one core, at 5,000 (200 speakers) its acks ran hundreds
    /// of milliseconds late on the 2-core test machine.
    /// </summary>
    public const int DefaultHeartbeatBudget = 2_000;

    /// <summary>
    /// The factor (a power of two, at least 1) by which the heartbeat interval, the lease and the
    /// margin are stretched so that <paramref name="sessions"/> speakers send at most
    /// <paramref name="budget"/> heartbeats a second. Powers of two keep the number of changes, each
    /// of which sends every speaker a new Configuration, logarithmic in the cluster's size.
    /// </summary>
    public static int Scale(TimeSpan interval, int budget, int sessions)
    {
        var wanted = sessions / (Math.Max(budget, 1) * interval.TotalSeconds);
        var scale = 1;
        while (scale < wanted && scale < 1024)
        {
            scale *= 2;
        }

        return scale;
    }

    /// <summary>
    /// Heartbeat intervals a holder's session must be silent for before a standby's report that it
    /// answers no pings (30 ms without a reply, see the speaker's HolderProbe) moves its VIPs: 1.5
    /// is one heartbeat missed, plus half an interval for a late one. At the default 40 ms a node
    /// whose link goes down is replaced after 60–80 ms instead of the 200 ms lease, and a busy node
    /// keeps its VIPs: its kernel answers the pings.
    /// </summary>
    public const double CutOffSilence = 1.5;

    /// <summary>
    /// How long a holder may take to apply an Assignment before the controller, not seeing the VIP
    /// at its epoch in any heartbeat, takes it as not taken up (the speaker could not apply it, or
    /// its lease ran out while it did) and assigns it again with a new epoch, instead of renewing a
    /// VIP nobody announces. Far above a slow forwarder set-up (hundreds of milliseconds).
    /// </summary>
    public static readonly TimeSpan TakeUpLimit = TimeSpan.FromSeconds(5);

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

        if (options.HeartbeatBudget < 1)
        {
            yield return $"--heartbeat-budget: {options.HeartbeatBudget} must be at least 1 heartbeat a second";
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
