using System.Diagnostics;
using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Failover;

/// <summary>
/// One fault with the client probing the VIP every 10 ms (a new connection each time): outage is the
/// time from the fault to the first answer, among probes started after it, that did not come
/// through the old holder. With <c>phaseWithin</c>, the fault waits a random time below it first, so
/// that it does not always land at the same point of a periodic timer (keepalived's adverts).
/// </summary>
internal static class FailoverTrial
{
    public static async Task<TrialResult> RunAsync(
        NamespaceThread client, IPEndPoint vip, Func<ProbeResult, string?> holderOf, string oldHolder, Func<Task> fault, TimeSpan timeout, bool waitForNewHolder = true, TimeSpan phaseWithin = default)
    {
        await using var prober = new ClientProber(client, vip, new ProberOptions { MaxDuration = timeout + TimeSpan.FromSeconds(5) });
        prober.Start();
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        if (phaseWithin > TimeSpan.Zero)
        {
#pragma warning disable CA5394 // the fault's phase needs spread, not secrecy
            await Task.Delay(phaseWithin * Random.Shared.NextDouble());
#pragma warning restore CA5394
        }

        var at = Stopwatch.GetTimestamp();
        await fault();
        var deadline = DateTime.UtcNow + timeout;
        Func<ProbeResult, bool> moved = r => holderOf(r) is { } h && h != oldHolder;
        while (waitForNewHolder && DateTime.UtcNow < deadline && ProbeAnalysis.OutageMs(prober.Results, at, moved) is null)
        {
            await Task.Delay(20);
        }

        if (!waitForNewHolder)
        {
            await Task.Delay(timeout);
        }

        // Let the probes of the switch-over finish, so failures among them are counted.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var results = await prober.StopAsync();
        var end = results.Count > 0 ? results[^1].Started : at;
        return new TrialResult(
            ProbeAnalysis.OutageMs(results, at, moved),
            ProbeAnalysis.FailedBetween(results, at, long.MaxValue),
            results.Count(r => r.Started >= at),
            ProbeAnalysis.LongestGapMs(results, at, end));
    }
}

/// <summary>What one fault cost: outage (null when traffic never moved), failed probes after the fault, and the longest gap between answers.</summary>
internal sealed record TrialResult(double? OutageMs, int Failed, int Probes, double LongestGapMs);
