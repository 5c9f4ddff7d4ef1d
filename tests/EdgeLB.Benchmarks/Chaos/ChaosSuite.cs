using System.Globalization;
using System.Runtime.InteropServices;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Chaos;

/// <summary>
/// <c>chaos</c>: the chaos soak (see <see cref="ChaosSoak"/>) written to artifacts/bench/chaos.json.
/// Arguments: --edgelb PATH [--out FILE] [--minutes N] [--services N] [--control-outage-seconds S]
/// [--seed N] [--default-timings]. Ctrl-C or SIGTERM stops early: the active fault is undone, the
/// lab removed, and the figures so far written.
/// </summary>
internal static class ChaosSuite
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        var output = Arg("--out") ?? "artifacts/bench/chaos.json";
        var edgelb = Arg("--edgelb");
        var minutes = double.Parse(Arg("--minutes") ?? "30", CultureInfo.InvariantCulture);
        var options = new ChaosOptions
        {
            Edgelb = edgelb ?? "",
            Duration = TimeSpan.FromMinutes(minutes),
            Services = Int("--services", 5),
            ControlOutageSeconds = Int("--control-outage-seconds", 30),
            Seed = Int("--seed", Random.Shared.Next()),
            RelaxedTimings = !args.Contains("--default-timings"),
        };
        if (!NetworkLab.IsSupported)
        {
            await Console.Error.WriteLineAsync("chaos: needs root and iproute2 (network namespaces)");
            return 2;
        }

        if (edgelb is null || !await LabCluster.HasCommandAsync(edgelb, "speaker"))
        {
            await Console.Error.WriteLineAsync("chaos: --edgelb must name an edgelb executable with the speaker command");
            return 2;
        }

        if (minutes is <= 0 or > 24 * 60 || options.Services is < 1 or > 40 || options.ControlOutageSeconds is < 1 or > 3600)
        {
            await Console.Error.WriteLineAsync("chaos: --minutes must be in (0, 1440], --services 1..40, --control-outage-seconds 1..3600");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // finish in order: undo the fault, remove the lab, write the figures
            Console.WriteLine($"chaos: {context.Signal}: stopping");
            stop.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        var logs = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "chaos-lab"));
        if (Directory.Exists(logs))
        {
            Directory.Delete(logs, recursive: true);
        }

        Console.WriteLine($"chaos: seed {options.Seed}, {minutes} min of faults, {options.Services} Services, {options.ControlOutageSeconds} s control-plane outage, "
            + $"{(options.RelaxedTimings ? "relaxed" : "default")} session timings; logs in {logs}");
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        await using (var lab = await LabCluster.StartAsync(
            new LabClusterOptions
            {
                Edgelb = options.Edgelb,
                Tag = "el9c",
                Controllers = 2,
                WorkDirectory = logs,
                LeaseDuration = TimeSpan.FromSeconds(8),
                RenewDeadline = TimeSpan.FromSeconds(6),
                RetryPeriod = TimeSpan.FromSeconds(2),
                Environment = options.RelaxedTimings ? LabClusterOptions.RelaxedSessionTimings : new Dictionary<string, string>(StringComparer.Ordinal),
            },
            line => Console.WriteLine($"lab: {line}"),
            stop.Token))
        {
            var soak = new ChaosSoak(options, lab, new Random(options.Seed));
            try
            {
                await soak.RunAsync(metrics, stop.Token);
            }
            finally
            {
                await soak.UndoAsync();
            }
        }

        metrics["seed"] = options.Seed;
        metrics["relaxed_timings"] = options.RelaxedTimings ? 1 : 0;
        metrics["interrupted"] = stop.IsCancellationRequested ? 1 : 0;
        BenchOutput.Write(output, metrics);
        return 0;
    }
}
