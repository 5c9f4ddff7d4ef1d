using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeLB.Benchmarks.Coordination;
using EdgeLB.Sandbox.ApiServer;
using EdgeLB.Testing;

namespace EdgeLB.Benchmarks.Hostile;

/// <summary>
/// `hack/bench.sh hostile`: what unauthenticated peers cost the controller. Waves of concurrent
/// Coordinator.Session calls, each on its own connection, each without a token and sending a
/// Hello of the old 4 MiB limit in full, against one `edgelb controller` process that leads. The
/// controller's RSS is sampled every 20 ms: idle before, highest during, and after the waves.
/// </summary>
internal static class HostileSessionsSuite
{
    private static readonly int MessageSize = int.Parse(Environment.GetEnvironmentVariable("EDGELB_BENCH_HELLO_BYTES") ?? "4194304", CultureInfo.InvariantCulture);
    private static readonly TimeSpan Sample = TimeSpan.FromMilliseconds(20);

    public static async Task<int> RunAsync(string edgelb, string outputPath, int sessions = 200, int waves = 3)
    {
        await using var server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { AutoCreateNamespaces = true });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"edgelb-bench-hostile-{Environment.ProcessId}", "kubeconfig");
        server.WriteKubeconfig(kubeconfig);
        var httpPort = ProcessReadings.FreePort();
        var grpcPort = ProcessReadings.FreePort();
        var controller = CoordinatorSuite.StartController(edgelb, kubeconfig, httpPort, grpcPort);
        var metrics = new Dictionary<string, double>();
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            await CoordinatorSuite.WaitAsync(() => CoordinatorSuite.ReadyAsync(httpPort), TimeSpan.FromMinutes(1), "the controller leads");

            // Idle: settled after start, the lowest of a few seconds of samples' average.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var idle = await AverageRssAsync(controller.Id, TimeSpan.FromSeconds(2));
            var hello = HostileSessionCall.HelloOfSize(MessageSize);
            var address = new Uri($"http://127.0.0.1:{grpcPort}");
            using var sampling = new CancellationTokenSource();
            var peak = 0.0;
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, ProcessReadings.MemoryMb(controller.Id, "VmRSS:"));
                    await Task.Delay(Sample, CancellationToken.None);
                }
            });

            var attack = Stopwatch.StartNew();
            for (var wave = 0; wave < waves; wave++)
            {
                var handlers = Enumerable.Range(0, sessions).Select(_ => HostileSessionCall.NewConnection()).ToList();
                var calls = handlers.Select(h => HostileSessionCall.Start(h, address, token: null, (uint)hello.Length, hello, TimeSpan.FromSeconds(60))).ToList();
                foreach (var call in calls)
                {
                    var status = (await call.OutcomeAsync()).Status ?? "reset";
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                }

                foreach (var call in calls)
                {
                    await call.DisposeAsync();
                }

                foreach (var handler in handlers)
                {
                    handler.Dispose();
                }

                Console.WriteLine($"wave {wave + 1}: {sessions} hostile sessions answered; RSS peak so far {peak:F1} MB (idle {idle:F1} MB)");
            }

            var attackSeconds = attack.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(2));
            await sampling.CancelAsync();
            await sampler;
            var after = await AverageRssAsync(controller.Id, TimeSpan.FromSeconds(1));

            metrics["hostile_sessions"] = sessions;
            metrics["hostile_sessions_waves"] = waves;
            metrics["hostile_sessions_hello_bytes"] = hello.Length;
            metrics["hostile_sessions_idle_rss_mb"] = Math.Round(idle, 1);
            metrics["hostile_sessions_peak_rss_mb"] = Math.Round(peak, 1);
            metrics["hostile_sessions_after_rss_mb"] = Math.Round(after, 1);
            metrics["hostile_sessions_rss_growth_mb"] = Math.Round(peak - idle, 1);
            metrics["hostile_sessions_unauthenticated"] = statuses.GetValueOrDefault("16");
            metrics["hostile_sessions_other_outcomes"] = statuses.Where(s => s.Key != "16").Sum(s => s.Value);
            metrics["hostile_sessions_seconds"] = Math.Round(attackSeconds, 2);
            metrics["hostile_sessions_controller_alive"] = controller.HasExited ? 0 : 1;
        }
        finally
        {
            await CoordinatorSuite.StopAsync(controller);
        }

        Console.WriteLine("outcomes (grpc-status: calls): " + string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        foreach (var (k, v) in metrics)
        {
            Console.WriteLine($"{k} = {v.ToString(CultureInfo.InvariantCulture)}");
        }

        MergeInto(outputPath, metrics);
        return metrics.GetValueOrDefault("hostile_sessions_controller_alive") == 1 ? 0 : 1;
    }

    private static async Task<double> AverageRssAsync(int pid, TimeSpan over)
    {
        var samples = new List<double>();
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < over)
        {
            samples.Add(ProcessReadings.MemoryMb(pid, "VmRSS:"));
            await Task.Delay(Sample);
        }

        return samples.Average();
    }

    /// <summary>
    /// fuzz.json has other writers (hack/fuzz.sh): keep every key they wrote and replace only ours,
    /// under "metrics" like every bench file.
    /// </summary>
    private static void MergeInto(string path, IReadOnlyDictionary<string, double> metrics)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var root = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : new JsonObject();
        if (root["metrics"] is not JsonObject target)
        {
            target = new JsonObject();
            root["metrics"] = target;
        }

        foreach (var (key, value) in metrics)
        {
            target[key] = value;
        }

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
        Console.WriteLine(File.ReadAllText(path));
    }
}
