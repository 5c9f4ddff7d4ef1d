namespace EdgeLB.Benchmarks.Failover;

/// <summary>EdgeLB's side of the failover suite (filled in with the speaker).</summary>
internal static class EdgeLbFailover
{
    public static Task RunAsync(string edgelb, int trials, TimeSpan load, SortedDictionary<string, double> metrics) => Task.CompletedTask;
}
