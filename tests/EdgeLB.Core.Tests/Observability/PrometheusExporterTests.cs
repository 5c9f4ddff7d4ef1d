using System.Diagnostics.Metrics;
using EdgeLB.Core.Observability;

namespace EdgeLB.Core.Tests.Observability;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void DottedInstrumentNames_BecomeValidPrometheusNames()
    {
        // A meter name unique to this test, so instruments of parallel tests do not show up.
        var meterName = "EdgeLB.Test." + Guid.NewGuid().ToString("N");
        using var exporter = new PrometheusExporter(meterName);
        using var meter = new Meter(meterName);
        meter.CreateCounter<long>("edgelb.speaker.announcer.replies_sent", "{reply}", "replies").Add(3);
        meter.CreateObservableGauge("edgelb.forwarder.connections.active", () => 2);

        var text = exporter.Render();

        Assert.Contains("\nedgelb_speaker_announcer_replies_sent_total 3\n", "\n" + text, StringComparison.Ordinal);
        Assert.Contains("# TYPE edgelb_speaker_announcer_replies_sent_total counter", text, StringComparison.Ordinal);
        Assert.Contains("\nedgelb_forwarder_connections_active 2\n", "\n" + text, StringComparison.Ordinal);
        Assert.DoesNotContain("edgelb.", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("edgelb_allocations", "edgelb_allocations")]
    [InlineData("edgelb.backend.health.available", "edgelb_backend_health_available")]
    [InlineData("a-b/c", "a_b_c")]
    [InlineData("9lives", "_9lives")]
    public void MetricName_KeepsOnlyWhatPrometheusAllows(string instrument, string metric) =>
        Assert.Equal(metric, PrometheusExporter.MetricName(instrument));
}
