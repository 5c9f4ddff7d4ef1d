using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeLB.Speaker.Announcing;

/// <summary>The announcer's instruments on the "EdgeLB.Speaker" meter, tagged by interface (and family).</summary>
internal sealed class AnnouncerMetrics : IDisposable
{
    public const string MeterName = "EdgeLB.Speaker";

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _replies;
    private readonly Counter<long> _gratuitous;
    private readonly Counter<long> _claims;
    private readonly Counter<long> _stepDowns;
    private readonly Counter<long> _defences;
    private readonly Counter<long> _malformed;
    private readonly Counter<long> _findings;
    private readonly Counter<long> _probeConflicts;
    private readonly Histogram<double> _stepDownLatency;

    public AnnouncerMetrics(IMeterFactory? meterFactory, Func<int> heldCount)
    {
        _meter = meterFactory?.Create(new MeterOptions(MeterName)) ?? new Meter(MeterName);
        _requests = _meter.CreateCounter<long>("edgelb.speaker.announcer.requests_received", "{request}", "ARP requests and Neighbor Solicitations received");
        _replies = _meter.CreateCounter<long>("edgelb.speaker.announcer.replies_sent", "{reply}", "ARP replies and solicited Neighbor Advertisements sent");
        _gratuitous = _meter.CreateCounter<long>("edgelb.speaker.announcer.gratuitous_sent", "{frame}", "Gratuitous ARP and unsolicited Neighbor Advertisements sent");
        _claims = _meter.CreateCounter<long>("edgelb.speaker.announcer.claims_seen", "{claim}", "Frames from another MAC claiming an address we hold (duplicates)");
        _stepDowns = _meter.CreateCounter<long>("edgelb.speaker.announcer.step_downs", "{step-down}", "Addresses given up because a claim was obeyed");
        _defences = _meter.CreateCounter<long>("edgelb.speaker.announcer.defences_sent", "{defence}", "Announcements sent to answer a false claim on a held address (when: immediate, or deferred to the end of the defend interval)");
        _malformed = _meter.CreateCounter<long>("edgelb.speaker.announcer.malformed_frames", "{frame}", "ARP/ND frames that failed to decode");
        _findings = _meter.CreateCounter<long>("edgelb.speaker.announcer.preflight_findings", "{finding}", "Preflight observations about the host");
        _probeConflicts = _meter.CreateCounter<long>("edgelb.speaker.announcer.probe_conflicts", "{probe}", "Probes answered: the address was already in use");
        _stepDownLatency = _meter.CreateHistogram<double>("edgelb.speaker.announcer.step_down_latency", "ms", "From reading a claim frame to having stopped answering");
        _meter.CreateObservableGauge("edgelb.speaker.announcer.held_addresses", heldCount, "{address}", "Addresses currently announced");
    }

    public void RequestReceived(string iface, string family, bool held) =>
        _requests.Add(1, new TagList { { "interface", iface }, { "family", family }, { "target", held ? "held" : "other" } });

    public void ReplySent(string iface, string family) => _replies.Add(1, new TagList { { "interface", iface }, { "family", family } });

    public void GratuitousSent(string iface, string family, int frames) =>
        _gratuitous.Add(frames, new TagList { { "interface", iface }, { "family", family } });

    public void ClaimSeen(string iface, string family) => _claims.Add(1, new TagList { { "interface", iface }, { "family", family } });

    public void SteppedDown(string iface, double latencyMs)
    {
        _stepDowns.Add(1, new TagList { { "interface", iface } });
        _stepDownLatency.Record(latencyMs, new TagList { { "interface", iface } });
    }

    public void Defended(string iface, string family, bool deferred) =>
        _defences.Add(1, new TagList { { "interface", iface }, { "family", family }, { "when", deferred ? "deferred" : "immediate" } });

    public void Malformed(string iface, string reason) => _malformed.Add(1, new TagList { { "interface", iface }, { "reason", reason } });

    public void Finding(string iface, PreflightFinding finding) =>
        _findings.Add(1, new TagList { { "interface", iface }, { "check", finding.Check }, { "severity", finding.Severity == PreflightSeverity.Warning ? "warning" : "info" } });

    public void ProbeConflict(string iface, string family) => _probeConflicts.Add(1, new TagList { { "interface", iface }, { "family", family } });

    public void Dispose() => _meter.Dispose();
}
