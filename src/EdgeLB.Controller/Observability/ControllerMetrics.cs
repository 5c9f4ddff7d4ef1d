using System.Diagnostics.Metrics;

namespace EdgeLB.Controller.Observability;

/// <summary>The controller's instruments (meter "EdgeLB.Controller"), exported at /metrics.</summary>
internal sealed class ControllerMetrics : IDisposable
{
    public const string MeterName = "EdgeLB.Controller";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _failures;
    private readonly Counter<long> _allocations;
    private readonly Histogram<double> _reconcileSeconds;

    public ControllerMetrics()
    {
        _failures = _meter.CreateCounter<long>("edgelb_allocation_failures", description: "Allocation refusals by reason");
        _allocations = _meter.CreateCounter<long>("edgelb_allocations", description: "Addresses assigned to Services");
        _reconcileSeconds = _meter.CreateHistogram<double>("edgelb_reconcile_duration_seconds", "s", "Time to reconcile one Service, API writes included");
    }

    public void ObservePools(Func<IEnumerable<Measurement<long>>> total, Func<IEnumerable<Measurement<long>>> inUse)
    {
        _meter.CreateObservableGauge("edgelb_pool_addresses", total, description: "Usable addresses per pool and family (IPv6 capped at 2^63-1)");
        _meter.CreateObservableGauge("edgelb_pool_addresses_in_use", inUse, description: "Allocated addresses per pool and family");
    }

    public void ObserveLeader(Func<bool> isLeader) =>
        _meter.CreateObservableGauge("edgelb_leader", () => isLeader() ? 1 : 0, description: "1 while this replica leads");

    public void ObserveQueue(Func<int> depth) =>
        _meter.CreateObservableGauge("edgelb_work_queue_depth", depth, description: "Services waiting to be reconciled");

    /// <summary>Per resource (tag <c>resource</c>): lists an informer had to make again after its first, on 410 Gone or a failed watch.</summary>
    public void ObserveRelists(Func<IEnumerable<Measurement<long>>> relists) =>
        _meter.CreateObservableCounter("edgelb_informer_relists", relists, description: "Informer lists after the first one (410 Gone or a failed watch), by resource");

    public void Refused(string reason) => _failures.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Allocated(int addresses) => _allocations.Add(addresses);

    public void Reconciled(TimeSpan elapsed) => _reconcileSeconds.Record(elapsed.TotalSeconds);

    public void Dispose() => _meter.Dispose();
}
