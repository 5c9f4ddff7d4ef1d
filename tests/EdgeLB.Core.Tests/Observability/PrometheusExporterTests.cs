using System.Diagnostics.Metrics;
using EdgeLB.Core.Observability;

namespace EdgeLB.Core.Tests.Observability;

public sealed class PrometheusExporterTests
{
    [Fact]
    public void DottedInstrumentNames_AreRenderedAsValidPrometheusNames()
    {
        using var exporter = new PrometheusExporter("EdgeLB.ExporterTest");
        using var meter = new Meter("EdgeLB.ExporterTest.Dotted");
        meter.CreateCounter<long>("edgelb.speaker.session.dials").Add(2, new KeyValuePair<string, object?>("outcome", "lost"));

        var text = exporter.Render();

        Assert.Contains("edgelb_speaker_session_dials_total{outcome=\"lost\"} 2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("edgelb.speaker", text, StringComparison.Ordinal);
    }
}
