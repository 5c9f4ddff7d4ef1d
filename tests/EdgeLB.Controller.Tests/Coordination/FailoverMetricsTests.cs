using System.Diagnostics.Metrics;
using EdgeLB.Controller.Coordination;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary><c>edgelb_failover_duration_seconds</c> and <c>edgelb_vip_holder</c>, read from this harness's meter only.</summary>
public sealed class FailoverMetricsTests
{
    private const string Vip = "198.18.0.100";

    [Fact]
    public async Task AClosedHoldersVip_IsTimedFromItsLossToTheNextHoldersFirstListing_AndTheHolderGaugeFollowsIt()
    {
        var (h, a, b) = await CoordinatorTests.TwoNodesAsync();
        using var _ = h;
        using var metrics = new Recorder(h.Metrics.Meter);
        var (holder, other) = h.HolderOf(Vip).Node == "node-1" ? (a, b) : (b, a);
        h.Beat(holder);
        Assert.Equal([(Vip, holder.Node)], metrics.Holders());

        h.Coordinator.Closed(holder, "reset");
        Assert.Equal([(Vip, other.Node)], metrics.Holders()); // assigned at once
        h.Time.Advance(TimeSpan.FromMilliseconds(30));
        h.Deliver(other);
        Assert.Empty(metrics.Durations); // assigned, not yet claimed
        h.Beat(other); // its first heartbeat listing the VIP

        Assert.Equal(0.030, Assert.Single(metrics.Durations), precision: 6);
        h.Time.Advance(h.Options.HeartbeatInterval);
        h.Beat(other);
        Assert.Single(metrics.Durations); // once per failover, not per heartbeat
    }

    [Fact]
    public async Task AHandoverOffALiveHolder_IsNoFailover()
    {
        var (h, a, b) = await CoordinatorTests.TwoNodesAsync();
        using var _ = h;
        using var metrics = new Recorder(h.Metrics.Meter);
        var (holder, other) = h.HolderOf(Vip).Node == "node-1" ? (a, b) : (b, a);

        h.Beat(holder, edit: hb => hb.Links.Add(new LinkHealth { Interface = "eth0", LinkUp = false, Health = Health.Failed }));
        await h.SettleAsync(a, b);
        h.Beat(other);
        Assert.Equal(other.Node, h.HolderOf(Vip).Node);
        Assert.Equal([(Vip, other.Node)], metrics.Holders());
        Assert.Empty(metrics.Durations);
    }

    /// <summary>Listens to one meter instance, so other tests' coordinators running at the same time do not count.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Vip, string Node)> _holders = [];

        public Recorder(Meter meter)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter == meter && instrument.Name is "edgelb_failover_duration_seconds" or "edgelb_vip_holder")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
            {
                lock (Durations)
                {
                    Durations.Add(value);
                }
            });
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? vip = null, node = null;
                foreach (var tag in tags)
                {
                    vip = tag.Key == "vip" ? tag.Value as string : vip;
                    node = tag.Key == "node" ? tag.Value as string : node;
                }

                Assert.Equal(1, value);
                _holders.Add((vip!, node!));
            });
            _listener.Start();
        }

        public List<double> Durations { get; } = [];

        public List<(string Vip, string Node)> Holders()
        {
            _holders.Clear();
            _listener.RecordObservableInstruments();
            return [.. _holders];
        }

        public void Dispose() => _listener.Dispose();
    }
}
