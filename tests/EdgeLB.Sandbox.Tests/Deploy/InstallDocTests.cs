using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>docs/install.md names what the code really has: Event reasons, metric names, MetalLB aliases.</summary>
public sealed partial class InstallDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(RepoFiles.Root, "docs/install.md"));

    private static string Source(string path) => File.ReadAllText(Path.Combine(RepoFiles.Root, path));

    [Fact]
    public void EveryAllocationRefusalReason_HasATroubleshootingRow()
    {
        var reasons = ReasonConstant().Matches(Source("src/EdgeLB.Core/Allocation/AllocationReasons.cs")).Select(m => m.Groups["name"].Value).ToList();
        Assert.Contains("PoolExhausted", reasons);
        foreach (var reason in reasons)
        {
            Assert.Contains($"`{reason}`", Doc, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("src/EdgeLB.Controller/Observability/ControllerMetrics.cs")]
    [InlineData("src/EdgeLB.Speaker/Announcing/AnnouncerMetrics.cs")]
    [InlineData("src/EdgeLB.Speaker/Forwarding/ForwardingMetrics.cs")]
    public void EveryMetric_IsListedUnderItsPrometheusName(string file)
    {
        var instruments = Instrument().Matches(Source(file)).Select(m => (Name: m.Groups["name"].Value, Counter: m.Groups["kind"].Value.EndsWith("Counter", StringComparison.Ordinal) && !m.Groups["kind"].Value.Contains("UpDown", StringComparison.Ordinal))).ToList();
        Assert.NotEmpty(instruments);
        foreach (var (name, counter) in instruments)
        {
            var metric = name.Replace('.', '_') + (counter ? "_total" : "");
            Assert.Matches(new Regex($@"`{Regex.Escape(metric)}[`{{]"), Doc);
        }
    }

    [Fact]
    public void EveryMetalLBAlias_IsInTheMigrationTable()
    {
        var aliases = Alias().Matches(Source("src/EdgeLB.Core/Allocation/ServiceAnnotations.cs")).Select(m => m.Value.Trim('"')).ToList();
        Assert.Equal(6, aliases.Count);
        foreach (var alias in aliases)
        {
            Assert.Contains($"`{alias}`", Doc, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"public const string (?<name>\w+) = nameof")]
    private static partial Regex ReasonConstant();

    [GeneratedRegex(@"Create(?<kind>(Observable)?(Counter|Gauge|UpDownCounter|Histogram))(<\w+>)?\(""(?<name>[a-z0-9_.]+)""", RegexOptions.ExplicitCapture)]
    private static partial Regex Instrument();

    [GeneratedRegex(@"""metallb[a-z.]*/[A-Za-z-]+""")]
    private static partial Regex Alias();
}
