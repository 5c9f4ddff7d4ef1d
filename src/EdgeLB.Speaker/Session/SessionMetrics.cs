using System.Diagnostics.Metrics;

namespace EdgeLB.Speaker.Session;

/// <summary>The session's instruments on meter "EdgeLB.Speaker".</summary>
internal sealed class SessionMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _dials;
    private readonly Counter<long> _heartbeats;
    private readonly Histogram<double> _rtt;
    private readonly Counter<long> _claims;

    public SessionMetrics(IMeterFactory? factory, Func<SessionPhase> phase, Func<int> held)
    {
        _meter = factory?.Create(Forwarding.ForwardingMetrics.MeterName) ?? new Meter(Forwarding.ForwardingMetrics.MeterName);
        _ownsMeter = factory is null;
        _dials = _meter.CreateCounter<long>("edgelb.speaker.session.dials", "{dial}", "Dials to the coordinator by outcome");
        _heartbeats = _meter.CreateCounter<long>("edgelb.speaker.session.heartbeats", "{heartbeat}", "Heartbeats sent");
        _rtt = _meter.CreateHistogram<double>("edgelb.speaker.session.heartbeat.rtt", "s", "From a heartbeat to its ack");
        _claims = _meter.CreateCounter<long>("edgelb.speaker.session.claims", "{claim}", "Claims on held VIPs by other MACs");
        _meter.CreateObservableGauge("edgelb.speaker.session.phase", () => Enum.GetValues<SessionPhase>()
            .Select(p => new Measurement<int>(p == phase() ? 1 : 0, new KeyValuePair<string, object?>("phase", p.ToString().ToLowerInvariant()))), "{session}", "1 for the current session phase");
        _meter.CreateObservableGauge("edgelb.speaker.vips.held", held, "{vip}", "VIPs this speaker holds");
    }

    public void Dialled(string outcome) => _dials.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void HeartbeatSent() => _heartbeats.Add(1);

    public void HeartbeatAcked(TimeSpan rtt) => _rtt.Record(rtt.TotalSeconds);

    public void Claim(bool knownPeer) => _claims.Add(1, new KeyValuePair<string, object?>("known_peer", knownPeer));

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
