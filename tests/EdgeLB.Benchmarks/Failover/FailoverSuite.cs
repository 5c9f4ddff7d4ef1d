using System.Globalization;
using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Failover;

/// <summary>
/// <c>failover</c>: EdgeLB's failover in the network-namespace lab (speaker SIGKILL, node link down,
/// drain by SIGTERM, controller leader kill, partition, spurious moves under CPU load) and the same
/// probe against keepalived between the same kind of nodes, written to artifacts/bench/failover.json.
/// Arguments: --edgelb PATH --out FILE [--trials N] [--load-seconds S] [--only edgelb|keepalived]
/// [--phases sigkill,linkdown,drain,controller_kill,partition,spurious] (EdgeLB's phases; default all).
/// </summary>
internal static class FailoverSuite
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        var output = Arg("--out") ?? "artifacts/bench/failover.json";
        var edgelb = Arg("--edgelb");
        var trials = int.Parse(Arg("--trials") ?? "10", CultureInfo.InvariantCulture);
        var loadSeconds = int.Parse(Arg("--load-seconds") ?? "300", CultureInfo.InvariantCulture);
        var only = Arg("--only");
        var phases = Arg("--phases")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!NetworkLab.IsSupported)
        {
            await Console.Error.WriteLineAsync("failover: needs root and iproute2 (network namespaces)");
            return 2;
        }

        if (trials is < 1 or > 100 || loadSeconds is < 1 or > 3600)
        {
            await Console.Error.WriteLineAsync("failover: --trials must be 1..100 and --load-seconds 1..3600");
            return 2;
        }

        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (only is null or "edgelb")
        {
            if (edgelb is null || !await LabCluster.HasCommandAsync(edgelb, "speaker"))
            {
                Console.WriteLine("failover: this edgelb has no speaker command yet; EdgeLB's figures are left out");
            }
            else
            {
                await EdgeLbFailover.RunAsync(edgelb, trials, TimeSpan.FromSeconds(loadSeconds), metrics, phases);
            }
        }

        if (only is null or "keepalived")
        {
            await RunKeepalivedAsync(trials, TimeSpan.FromSeconds(loadSeconds), metrics);
        }

        BenchOutput.Write(output, metrics);
        return 0;
    }

    private static async Task RunKeepalivedAsync(int trials, TimeSpan load, SortedDictionary<string, double> metrics)
    {
        if (!File.Exists("/usr/sbin/keepalived"))
        {
            Console.WriteLine("failover: keepalived is not installed (hack/install-deps.sh installs it); its figures are left out");
            return;
        }

        var work = Path.Combine(Path.GetTempPath(), $"edgelb-bench-keepalived-{Environment.ProcessId}");
        await using var lab = await KeepalivedLab.CreateAsync(3, work);
        foreach (var (name, advert) in new[] { ("default", 1.0), ("fast", 0.01) })
        {
            var outages = new List<double>();
            foreach (var fault in new[] { "kill", "linkdown" })
            {
                var results = new List<TrialResult>();
                for (var t = 0; t < trials; t++)
                {
                    await lab.ResetAsync();
                    lab.Start(advert);
                    var holder = await lab.WaitForStableHolderAsync(TimeSpan.FromSeconds(30))
                        ?? throw new InvalidOperationException($"keepalived ({advert} s) elected no stable holder");
                    // Let the adverts settle so the backups' timers run from a steady state; the fault
                    // then comes at a random point of the advert interval (phaseWithin).
                    await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.5, advert * 3)));
                    var result = await FailoverTrial.RunAsync(
                        lab.ClientThread, new IPEndPoint(lab.Vip, 80), r => r.Node, holder,
                        fault == "kill"
                            ? () => { lab.Daemon(holder)!.SignalTree(LabProcess.SigKill); return Task.CompletedTask; }
                            : () => lab.SetLinkAsync(holder, up: false),
                        TimeSpan.FromSeconds(20), phaseWithin: TimeSpan.FromSeconds(advert));
                    Console.WriteLine($"keepalived advert_int {advert} {fault} trial {t + 1}: outage {Format(result.OutageMs)} ms, {result.Failed}/{result.Probes} probes failed");
                    results.Add(result);
                }

                var per = results.Select(r => r.OutageMs).OfType<double>().ToList();
                metrics[$"keepalived_{name}_{fault}_median_ms"] = Math.Round(ProbeAnalysis.Median(per), 1);
                WriteCounts(metrics, $"keepalived_{name}_{fault}", results);
                outages.AddRange(per);
            }

            metrics[$"keepalived_{name}_median_ms"] = Math.Round(ProbeAnalysis.Median(outages), 1);
        }

        await lab.ResetAsync();
        lab.Start(0.01);
        _ = await lab.WaitForStableHolderAsync(TimeSpan.FromSeconds(30)) ?? throw new InvalidOperationException("keepalived elected no stable holder");
        await SpuriousMovesAsync(lab.ClientThread, new IPEndPoint(lab.Vip, 80), r => r.Node, load, "keepalived advert_int 0.01", metrics, "keepalived_fast_spurious");
        await lab.ResetAsync();
    }

    /// <summary>
    /// Probes for <paramref name="duration"/> with every core saturated; writes the moves of the VIP
    /// between nodes as <c>&lt;key&gt;_under_load</c> (the former key for EdgeLB: spurious_failovers_under_load),
    /// and the probes sent and failed.
    /// </summary>
    public static async Task SpuriousMovesAsync(
        NamespaceThread client, IPEndPoint vip, Func<ProbeResult, string?> holderOf, TimeSpan duration, string what, SortedDictionary<string, double> metrics, string key, string? movesKey = null)
    {
        using var stress = new CpuStress(duration);
        await using var prober = new ClientProber(client, vip, new ProberOptions { MaxDuration = duration, MaxProbes = (int)(duration.TotalMilliseconds / 10) + 10 });
        prober.Start();
        await Task.Delay(duration + TimeSpan.FromSeconds(3));
        var results = await prober.StopAsync();
        var moves = ProbeAnalysis.HolderChanges(results, holderOf);
        var failed = results.Count(r => !r.Succeeded);
        Console.WriteLine($"{what}: {moves} VIP moves in {duration.TotalSeconds:F0} s under {stress.Tool} ({results.Count} probes, {failed} failed)");
        metrics[movesKey ?? $"{key}_under_load"] = moves;
        metrics[$"{key}_probes"] = results.Count;
        metrics[$"{key}_failed_probes"] = failed;
    }

    /// <summary>
    /// What a set of trials must not hide: how many there were, how many never saw traffic come back
    /// (no outage figure, so left out of the medians), and every probe sent and failed after the faults.
    /// </summary>
    public static void WriteCounts(SortedDictionary<string, double> metrics, string key, IReadOnlyCollection<TrialResult> results)
    {
        metrics[$"{key}_trials"] = results.Count;
        metrics[$"{key}_unrecovered_trials"] = results.Count(r => r.OutageMs is null);
        metrics[$"{key}_probes"] = results.Sum(r => r.Probes);
        metrics[$"{key}_failed_probes"] = results.Sum(r => r.Failed);
    }

    public static string Format(double? ms) => ms is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "none";
}
