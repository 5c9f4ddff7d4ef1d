using System.Diagnostics;
using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.Lab;

public sealed class ProbeAnalysisTests
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    [Fact]
    public void OutageIsFromTheFaultToTheFirstAnswerThroughTheNewHolder()
    {
        ProbeResult[] results =
        [
            Ok(0, 1, "node-1"),
            Failed(10, 2000),          // started after the fault, lost
            Ok(20, 1021, "node-1"),    // a retransmitted SYN that reached the old holder late
            Ok(40, 42, "node-2"),
            Ok(30, 45, "node-2"),
        ];

        Assert.Equal(42 - 5, ProbeAnalysis.OutageMs(results, 5 * Ms, r => r.Node != "node-1")!.Value, precision: 3);
        Assert.Equal(1, ProbeAnalysis.FailedBetween(results, 5 * Ms, long.MaxValue));
        Assert.Null(ProbeAnalysis.OutageMs(results, 50 * Ms));
    }

    [Fact]
    public void CountsHolderChangesInStartOrderIgnoringFailures()
    {
        ProbeResult[] results = [Ok(0, 1, "a"), Failed(1, 3), Ok(2, 3, "a"), Ok(3, 4, "b"), Ok(4, 5, "b"), Ok(5, 6, "a")];

        Assert.Equal(2, ProbeAnalysis.HolderChanges(results, r => r.Node));
    }

    [Fact]
    public void LongestGapSpansTheWindowEdges()
    {
        ProbeResult[] results = [Ok(0, 10, "a"), Ok(10, 60, "a"), Ok(60, 70, "a")];

        Assert.Equal(50, ProbeAnalysis.LongestGapMs(results, 0, 100 * Ms), precision: 3);
        Assert.Equal(3.5, ProbeAnalysis.Median([5, 1, 2, 9]));
    }

    private static ProbeResult Ok(long start, long end, string node) => new(start * Ms, end * Ms, node, IPAddress.Loopback, null);

    private static ProbeResult Failed(long start, long end) => new(start * Ms, end * Ms, null, null, "timeout");
}
