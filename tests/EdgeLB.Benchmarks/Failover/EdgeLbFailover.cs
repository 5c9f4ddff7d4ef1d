using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Failover;

/// <summary>
/// EdgeLB's side of the failover suite: the lab of <c>edgelb sandbox</c> (3 nodes, 2 controller
/// replicas, default timings), one LoadBalancer Service, and each fault repeated with the client
/// probing. The holder is the node that forwarded a probe (the address the NodePort saw).
/// </summary>
internal static class EdgeLbFailover
{
    private static readonly TimeSpan Heal = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan FaultTimeout = TimeSpan.FromSeconds(30);

    public static async Task RunAsync(string edgelb, int trials, TimeSpan load, SortedDictionary<string, double> metrics, IReadOnlyCollection<string>? phases = null)
    {
        // The processes' logs stay for a look at any slow trial: artifacts/bench/failover-lab/.
        var logs = Path.GetFullPath(Path.Combine("artifacts", "bench", "failover-lab"));
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Console.WriteLine($"lab: logs in {logs}");
        await using var lab = await LabCluster.StartAsync(
            new LabClusterOptions { Edgelb = edgelb, Tag = "el9b", Controllers = 2, WorkDirectory = logs }, line => Console.WriteLine($"lab: {line}"));
        await lab.Kubectl.ApplyAsync("""
            apiVersion: v1
            kind: Service
            metadata: {name: bench, namespace: default}
            spec:
              type: LoadBalancer
              ports: [{name: http, port: 80, targetPort: 8080}]
            """);
        await lab.ServeAsync("default", "bench");
        var ips = await lab.Kubectl.WaitForIngressAsync("default", "bench", TimeSpan.FromSeconds(60)) ?? throw new TimeoutException("no EXTERNAL-IP");
        var vip = new IPEndPoint(IPAddress.Parse(ips[0]), 80);
        string? HolderOf(ProbeResult r) => lab.NodeByAddress(r.Via)?.Name ?? r.Node;

        async Task<LabNode> StableHolderAsync()
        {
            await lab.HealAsync(Heal);
            string? holder = null;
            var streak = 0;
            var deadline = DateTime.UtcNow + Heal;
            while (streak < 20 && DateTime.UtcNow < deadline)
            {
                var r = await ClientProber.ProbeOnceAsync(lab.ClientThread, vip, TimeSpan.FromSeconds(1));
                var h = r.Succeeded ? HolderOf(r) : null;
                streak = h is not null && h == holder ? streak + 1 : h is null ? 0 : 1;
                holder = h;
                await Task.Delay(20);
            }

            return streak >= 20 ? lab.Node(holder!) : throw new TimeoutException($"traffic through {vip} did not settle on one node");
        }

        async Task<List<TrialResult>> RepeatAsync(string what, Func<LabNode, Task> fault)
        {
            var results = new List<TrialResult>();
            for (var t = 0; t < trials; t++)
            {
                results.Add(await RepeatOnceAsync(what, t, fault));
            }

            return results;
        }

        async Task<TrialResult> RepeatOnceAsync(string what, int t, Func<LabNode, Task> fault, bool waitForNewHolder = true, TimeSpan? observe = null)
        {
            var holder = await StableHolderAsync();
            var result = await FailoverTrial.RunAsync(lab.ClientThread, vip, HolderOf, holder.Name, () =>
            {
                Console.WriteLine($"edgelb {what} trial {t + 1}: fault at {DateTime.UtcNow:HH:mm:ss.fff} on {holder.Name}");
                return fault(holder);
            }, observe ?? FaultTimeout, waitForNewHolder);
            Console.WriteLine($"edgelb {what} trial {t + 1} ({holder.Name}): outage {FailoverSuite.Format(result.OutageMs)} ms, {result.Failed}/{result.Probes} probes failed, longest gap {result.LongestGapMs:F0} ms");
            return result;
        }

        void Outages(string key, List<TrialResult> results)
        {
            var outages = results.Select(r => r.OutageMs).OfType<double>().ToList();
            metrics[$"{key}_median_ms"] = Math.Round(ProbeAnalysis.Median(outages), 1);
            metrics[$"{key}_max_ms"] = outages.Count > 0 ? Math.Round(outages.Max(), 1) : 0;
            // A trial whose traffic never came back within the timeout has no outage figure: counted instead.
            FailoverSuite.WriteCounts(metrics, key, results);
            metrics[$"{key}_failed_requests"] = results.Sum(r => r.Failed);
        }

        // One phase failing (a speaker that never comes back) must not lose the figures of the others.
        async Task PhaseAsync(string name, Func<Task> run)
        {
            if (phases is not null && !phases.Contains(name))
            {
                return;
            }

            // Written before the phase runs, so a phase that completes says 0 rather than nothing.
            metrics[$"{name}_abandoned"] = 0;
            try
            {
                await run();
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                Console.WriteLine($"edgelb {name}: abandoned: {ex.Message}"); // with the log tail it carries
                metrics[$"{name}_abandoned"] = 1;
            }
        }

        await PhaseAsync("sigkill", async () => Outages("sigkill", await RepeatAsync("sigkill", holder => { holder.Speaker!.Signal(LabProcess.SigKill); return Task.CompletedTask; })));
        await PhaseAsync("linkdown", async () => Outages("linkdown", await RepeatAsync("linkdown", holder => lab.SetLinkAsync(holder, up: false))));
        await PhaseAsync("drain", async () =>
        {
            var drains = await RepeatAsync("drain", holder => { holder.Speaker!.Signal(LabProcess.SigTerm); return Task.CompletedTask; });
            metrics["drain_failed_requests"] = drains.Sum(r => r.Failed);
            metrics["drain_median_ms"] = Math.Round(ProbeAnalysis.Median([.. drains.Select(r => r.OutageMs).OfType<double>()]), 1);
            FailoverSuite.WriteCounts(metrics, "drain", drains);
        });
        await PhaseAsync("controller_kill", async () =>
        {
            // A trial counts only if the replica killed held the leader Lease and another replica
            // held it afterwards; otherwise it measured nothing about a leader's death.
            var failedTrials = 0;
            var takeovers = new List<double>();
            var kills = new List<TrialResult>();
            for (var t = 0; t < trials; t++)
            {
                Task<(int? Killed, double? NewLeaderMs)> leadership = Task.FromResult<(int?, double?)>((null, null));
                var trial = await RepeatOnceAsync("controller leader kill", t, async _ =>
                {
                    if (await lab.LeaderAsync() is { } leader)
                    {
                        lab.Controllers[leader]!.Signal(LabProcess.SigKill);
                        leadership = NewLeaderAsync(lab, leader, TimeSpan.FromSeconds(25));
                    }
                }, waitForNewHolder: false, observe: TimeSpan.FromSeconds(25));
                kills.Add(trial);
                var (killed, newLeaderMs) = await leadership;
                if (killed is null || newLeaderMs is null)
                {
                    failedTrials++;
                    Console.WriteLine($"edgelb controller leader kill trial {t + 1}: FAILED: {(killed is null ? "no replica held the Lease at the fault" : $"no other replica led within 25 s after controller-{killed} was killed")}");
                }
                else
                {
                    takeovers.Add(newLeaderMs.Value);
                    Console.WriteLine($"edgelb controller leader kill trial {t + 1}: controller-{killed} led and was killed; another replica led after {newLeaderMs:F0} ms");
                }
            }

            metrics["controller_kill_failed_requests"] = kills.Sum(r => r.Failed);
            metrics["controller_kill_longest_gap_ms"] = Math.Round(kills.Max(r => r.LongestGapMs), 1);
            metrics["controller_kill_trials"] = kills.Count;
            metrics["controller_kill_failed_trials"] = failedTrials;
            metrics["controller_kill_probes"] = kills.Sum(r => r.Probes);
            metrics["controller_kill_new_leader_median_ms"] = Math.Round(ProbeAnalysis.Median(takeovers), 1);
        });
        await PhaseAsync("partition", async () =>
        {
            var (overlap, unclaimed) = await PartitionOverlapAsync(lab, vip, StableHolderAsync, Math.Min(trials, 5));
            metrics["split_brain_overlap_ms_max"] = overlap;
            metrics["partition_trials_without_new_claim"] = unclaimed;
        });
        await PhaseAsync("spurious", async () =>
        {
            await StableHolderAsync();
            await FailoverSuite.SpuriousMovesAsync(lab.ClientThread, vip, HolderOf, load, "edgelb defaults", metrics, "spurious", "spurious_failovers_under_load");
        });
    }

    /// <summary>
    /// After <paramref name="killed"/> was killed: how long until the Lease's holderIdentity named
    /// another replica (null when none did within <paramref name="timeout"/>).
    /// </summary>
    private static async Task<(int? Killed, double? NewLeaderMs)> NewLeaderAsync(LabCluster lab, int killed, TimeSpan timeout)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(started) < timeout)
        {
            if (await lab.LeaderAsync() is { } leader && leader != killed)
            {
                return (killed, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            await Task.Delay(100);
        }

        return (killed, null);
    }

    /// <summary>
    /// Blocks the holder's coordinator traffic with ARP captured on the client while it asks for the
    /// VIP every 20 ms: how long the old holder went on answering after the new holder's first claim.
    /// </summary>
    private static async Task<(double WorstMs, int Unclaimed)> PartitionOverlapAsync(LabCluster lab, IPEndPoint vip, Func<Task<LabNode>> stableHolder, int trials)
    {
        var worst = 0.0;
        var unclaimed = 0;
        for (var t = 0; t < trials; t++)
        {
            var holder = await stableHolder();
            await using var capture = await ArpCapture.StartAsync(lab.Client, vip.Address.ToString(), Path.Combine(lab.WorkDirectory, $"arp-{t}.log"));
            capture.StartAsking(lab.Client, TimeSpan.FromSeconds(60));
            await Task.Delay(TimeSpan.FromSeconds(1));
            await lab.BlockCoordinatorAsync(holder, block: true);
            var moved = await Kubectl.WaitForAsync(
                async () => await lab.Kubectl.AnnouncingNodeAsync("default", "bench") is { } n && n != holder.Name ? n : null,
                TimeSpan.FromSeconds(45));
            await Task.Delay(TimeSpan.FromSeconds(3));
            var claims = await capture.StopAsync();
            var overlap = ArpCapture.OverlapMs(claims, holder.Host.Mac);
            Console.WriteLine($"edgelb partition trial {t + 1} ({holder.Name} -> {moved ?? "nobody"}): {claims.Count} claims captured, overlap {FailoverSuite.Format(overlap)} ms");
            worst = Math.Max(worst, overlap ?? 0);
            unclaimed += overlap is null ? 1 : 0;
            await lab.BlockCoordinatorAsync(holder, block: false);
        }

        return (Math.Round(worst, 1), unclaimed);
    }
}
