using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// The forwarder's and health checker's instruments on meter "EdgeLB.Speaker". Per-connection
/// figures are observable instruments over <see cref="VipStats"/>, so the data path only does
/// Interlocked adds; rare events (connect errors, health transitions) are plain counters.
/// </summary>
internal sealed class ForwardingMetrics : IDisposable
{
    public const string MeterName = "EdgeLB.Speaker";

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly ConcurrentDictionary<VipPort, VipStats> _vips = new();
    private readonly Counter<long> _connectErrors;
    private readonly Counter<long> _healthTransitions;
    private Func<IReadOnlyList<BackendHealthReport>>? _health;

    public ForwardingMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _ownsMeter = factory is null;
        _meter.CreateObservableUpDownCounter("edgelb.forwarder.connections.active", () => _vips.Values.Select(v => Measure(v.Active, v)), "{connection}", "Open forwarded connections and UDP flows");
        _meter.CreateObservableCounter("edgelb.forwarder.connections", () => _vips.Values.Select(v => Measure(v.Total, v)), "{connection}", "Forwarded connections and UDP flows since start");
        _meter.CreateObservableCounter("edgelb.forwarder.bytes", ObserveBytes, "By", "Bytes forwarded; direction in = client to backend");
        _meter.CreateObservableCounter("edgelb.forwarder.backend.selections", ObserveSelections, "{selection}", "New connections and flows sent to each backend");
        _connectErrors = _meter.CreateCounter<long>("edgelb.forwarder.connect.errors", "{error}", "Failed connects to backends");
        _healthTransitions = _meter.CreateCounter<long>("edgelb.backend.health.transitions", "{transition}", "Backend availability changes");
        _meter.CreateObservableGauge("edgelb.backend.health.available", ObserveHealth, "{backend}", "1 while a backend takes new connections");
    }

    public VipStats Register(VipPort vip) => _vips.GetOrAdd(vip, static v => new VipStats(v));

    public void Unregister(VipPort vip) => _vips.TryRemove(vip, out _);

    public void ConnectError(VipStats vip, BackendSlot backend, string reason) =>
        _connectErrors.Add(1, new KeyValuePair<string, object?>("vip", vip.Label), new("backend", backend.Label), new("reason", reason));

    public void HealthTransition(HealthTarget target, bool available) =>
        _healthTransitions.Add(1, new KeyValuePair<string, object?>("backend", target.ToString()), new("state", available ? "available" : "unavailable"));

    public void ObserveHealth(Func<IReadOnlyList<BackendHealthReport>> snapshot) => _health = snapshot;

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }

    private static Measurement<long> Measure(long value, VipStats v) => new(value, new KeyValuePair<string, object?>("vip", v.Label));

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        foreach (var v in _vips.Values)
        {
            yield return new(v.BytesIn, new KeyValuePair<string, object?>("vip", v.Label), new("direction", "in"));
            yield return new(v.BytesOut, new KeyValuePair<string, object?>("vip", v.Label), new("direction", "out"));
        }
    }

    private IEnumerable<Measurement<long>> ObserveSelections()
    {
        foreach (var v in _vips.Values)
        {
            foreach (var s in v.Slots?.Invoke() ?? [])
            {
                yield return new(s.Selected, new KeyValuePair<string, object?>("vip", v.Label), new("backend", s.Label));
            }
        }
    }

    private IEnumerable<Measurement<int>> ObserveHealth()
    {
        foreach (var r in _health?.Invoke() ?? [])
        {
            yield return new(r.Available ? 1 : 0, new KeyValuePair<string, object?>("backend", r.Target.ToString()), new("state", r.State.ToString()));
        }
    }
}
