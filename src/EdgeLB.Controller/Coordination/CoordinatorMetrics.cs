using System.Diagnostics.Metrics;

namespace EdgeLB.Controller.Coordination;

/// <summary>The coordinator's instruments, on the controller's meter so /metrics exports them.</summary>
/// <remarks>
/// Heartbeat timing is measured as the gap between consecutive heartbeats of one session on the
/// controller's clock: that gap minus the interval is exactly the lateness that eats into the
/// lease, so its tail says how close the cluster runs to a spurious failover. (A true round trip
/// needs the speaker's clock; simulated speakers in the benchmark measure it from their side.)
/// </remarks>
internal sealed class CoordinatorMetrics : IDisposable
{
    private readonly Meter _meter = new(Observability.ControllerMetrics.MeterName + ".Coordinator");
    private readonly Histogram<double> _heartbeatGap;
    private readonly Counter<long> _failovers;
    private readonly Histogram<double> _ownerless;
    private readonly Histogram<double> _failoverDuration;
    private readonly Counter<long> _conflicts;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _defences;

    public CoordinatorMetrics()
    {
        _heartbeatGap = _meter.CreateHistogram<double>("edgelb_heartbeat_gap_seconds", "s", "Time between consecutive heartbeats of one speaker, controller clock");
        _failovers = _meter.CreateCounter<long>("edgelb_failovers", description: "VIPs moved to another node, by cause (session-closed, lease-expired, drain, rebalance, ineligible)");
        _ownerless = _meter.CreateHistogram<double>("edgelb_vip_ownerless_seconds", "s", "Time a VIP had no announcing node, until the new holder's Assignment was sent");
        _failoverDuration = _meter.CreateHistogram<double>("edgelb_failover_duration_seconds", "s", "From losing a VIP's holder (session closed, lease expired, cut off, ineligible) to the first heartbeat of the next holder that lists it, sent right after its first gratuitous ARP / NA; controller clock");
        _conflicts = _meter.CreateCounter<long>("edgelb_vip_conflicts", description: "Claims of our VIPs by other MACs reported by speakers, by whether the MAC is a known peer");
        _defences = _meter.CreateCounter<long>("edgelb_vip_claims_defended", description: "Claims of a VIP reported by its holder and answered by its defence instead of a move, by whether the MAC is a known peer's");
        _refusals = _meter.CreateCounter<long>("edgelb_session_refusals", description: "Speaker sessions refused, by gRPC status");
    }

    public void ObserveSessions(Func<int> sessions, Func<IEnumerable<Measurement<long>>> vipsPerNode)
    {
        _meter.CreateObservableGauge("edgelb_speaker_sessions", sessions, description: "Open speaker sessions");
        _meter.CreateObservableGauge("edgelb_vips_per_node", vipsPerNode, description: "VIPs assigned to each node");
    }

    /// <summary>One gauge series per held VIP: <c>edgelb_vip_holder{vip,node}</c> = 1.</summary>
    public void ObserveHolders(Func<IEnumerable<Measurement<long>>> holders) =>
        _meter.CreateObservableGauge("edgelb_vip_holder", holders, description: "1 for the node assigned to announce each VIP");

    /// <summary>The meter itself, for tests that listen to this instance only.</summary>
    internal Meter Meter => _meter;

    public void HeartbeatGap(TimeSpan gap) => _heartbeatGap.Record(gap.TotalSeconds);

    public void Failover(string cause) => _failovers.Add(1, new KeyValuePair<string, object?>("cause", cause));

    public void Ownerless(TimeSpan duration) => _ownerless.Record(duration.TotalSeconds);

    public void FailoverDuration(TimeSpan duration) => _failoverDuration.Record(duration.TotalSeconds);

    public void Conflict(bool knownPeer) => _conflicts.Add(1, new KeyValuePair<string, object?>("known_peer", knownPeer ? "true" : "false"));

    public void Defended(bool knownPeer) => _defences.Add(1, new KeyValuePair<string, object?>("known_peer", knownPeer ? "true" : "false"));

    public void Refused(string status) => _refusals.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Dispose() => _meter.Dispose();
}
