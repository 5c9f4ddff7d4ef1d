using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Tests.Forwarding;

public sealed class ForwardingMetricsTests
{
    [Fact]
    public void Instruments_ReportPerVipCountersSelectionsAndHealth()
    {
        using var metrics = new ForwardingMetrics();
        var vip = new VipPort(IPAddress.Parse("198.18.0.177"), 80, ForwardProtocol.Tcp);
        var ep = new IPEndPoint(IPAddress.Parse("198.18.0.1"), 30080);
        var slot = new BackendSlot(new Backend(ep), new FakeHealthHandle(ep));
        var stats = metrics.Register(vip);
        stats.Slots = () => [slot];
        stats.Opened();
        stats.Opened();
        stats.Closed();
        stats.AddIn(100);
        stats.AddOut(2000);
        slot.MarkSelected();
        metrics.ObserveHealth(() => [new BackendHealthReport(new HealthTarget(ep, HealthCheckKind.TcpConnect), HealthState.Down, false, false, "timeout", DateTimeOffset.UnixEpoch)]);
        metrics.ConnectError(stats, slot, "ConnectionRefused");
        metrics.HealthTransition(new HealthTarget(ep, HealthCheckKind.TcpConnect), available: false);

        var seen = new ConcurrentQueue<(string Name, long Value, string Tags)>(); // other tests record on their own threads
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ForwardingMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => seen.Enqueue((i.Name, v, Tags(tags))));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => seen.Enqueue((i.Name, v, Tags(tags))));
        listener.Start();
        metrics.ConnectError(stats, slot, "TimedOut");
        listener.RecordObservableInstruments();

        Assert.Contains(("edgelb.forwarder.connections.active", 1L, "vip=tcp/198.18.0.177:80"), seen);
        Assert.Contains(("edgelb.forwarder.connections", 2L, "vip=tcp/198.18.0.177:80"), seen);
        Assert.Contains(("edgelb.forwarder.bytes", 100L, "vip=tcp/198.18.0.177:80,direction=in"), seen);
        Assert.Contains(("edgelb.forwarder.bytes", 2000L, "vip=tcp/198.18.0.177:80,direction=out"), seen);
        Assert.Contains(("edgelb.forwarder.backend.selections", 1L, "vip=tcp/198.18.0.177:80,backend=198.18.0.1:30080"), seen);
        Assert.Contains(("edgelb.forwarder.connect.errors", 1L, "vip=tcp/198.18.0.177:80,backend=198.18.0.1:30080,reason=TimedOut"), seen);
        Assert.Contains(("edgelb.backend.health.available", 0L, "backend=tcp:198.18.0.1:30080,state=Down"), seen);

        metrics.Unregister(vip);
        seen.Clear();
        listener.RecordObservableInstruments();
        // Other tests running at the same time publish under the same meter name: only this VIP counts.
        Assert.DoesNotContain(seen, s => s.Name.StartsWith("edgelb.forwarder.", StringComparison.Ordinal) && s.Tags.Contains("198.18.0.177", StringComparison.Ordinal));
    }

    private static string Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var parts = new List<string>();
        foreach (var t in tags)
        {
            parts.Add($"{t.Key}={t.Value}");
        }

        return string.Join(",", parts);
    }
}
