using System.Diagnostics;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Benchmarks.Control;

/// <summary>
/// `hack/bench.sh control`: 10,000 LoadBalancer Services against the in-memory API server, with the
/// controller as its own process (`edgelb controller`) so its memory is its own. Measures the time
/// until every Service shows an EXTERNAL-IP, the controller's peak RSS, and a restart: time to
/// ready and how many assignments it changed. Then, against a fresh API server, the pending storm
/// (<see cref="PendingStormScenario"/>).
/// </summary>
internal static class ControlSuite
{
    private const int Services = 10_000;

    public static async Task<int> RunAsync(string edgelb, string outputPath)
    {
        // The in-memory API server runs as the published binary's `edgelb api-server`, in its own
        // process: natively compiled like the controller, and its CPU apart from this client's.
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"edgelb-bench-{Environment.ProcessId}", "kubeconfig");
        var (apiServer, apiAddress) = await StartApiServerAsync(edgelb, kubeconfig);
        using var client = new KubeApiClient(KubernetesClientConfiguration.ForServer(apiAddress));
        await client.CreateAsync(Resources.IPAddressPools, new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = "bench", Namespace = "edgelb-system" },
            Spec = new IPAddressPoolSpec { Addresses = ["198.18.0.0/16"] },
        });

        using var watching = new CancellationTokenSource();
        var informer = new Informer<Service>(client, Resources.Services);

        // Counted as the events arrive: recounting 10,000 cached Services every 20 ms took CPU from
        // the controller being measured on a small machine.
        var withIp = 0;
        informer.AddHandler(new InformerHandler<Service>(
            s => Interlocked.Add(ref withIp, Counted(s)),
            (old, s) => Interlocked.Add(ref withIp, Counted(s) - Counted(old)),
            s => Interlocked.Add(ref withIp, -Counted(s))));
        var informerRun = informer.RunAsync(watching.Token);
        await informer.WaitForSyncAsync();
        await WarmUpAsync(client);

        var firstPort = ProcessReadings.FreePort();
        var controller = StartController(edgelb, kubeconfig, firstPort);
        Process? second = null;
        double createSeconds, allIpSeconds, peakRssMb, restartSeconds, secondRssMb;
        int changed;
        try
        {
            await WaitReadyAsync(firstPort, TimeSpan.FromMinutes(1));
            var started = Stopwatch.StartNew();
            await Parallel.ForAsync(0, Services, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                await client.CreateWithoutResultAsync(Resources.Services, Service(i), ct));
            createSeconds = started.Elapsed.TotalSeconds;
            Console.WriteLine($"created {Services} Services in {createSeconds:F1} s; {Volatile.Read(ref withIp)} have an IP");
            await WaitAsync(() => Volatile.Read(ref withIp) == Services, TimeSpan.FromMinutes(5), "every Service has an IP");
            allIpSeconds = started.Elapsed.TotalSeconds;

            // CPU time says more than wall time on a shared machine: what the controller, the API
            // server and this process (the creating client and its informer) spent.
            Console.WriteLine($"every Service has an IP after {allIpSeconds:F1} s; CPU seconds: controller {ProcessReadings.CpuSeconds(controller.Id):F1}, API server {ProcessReadings.CpuSeconds(apiServer.Id):F1}, client {ProcessReadings.CpuSeconds(Environment.ProcessId):F1}");
            var before = Snapshot(informer);
            peakRssMb = ProcessReadings.MemoryMb(controller.Id, "VmHWM:");

            await StopAsync(controller);
            var restart = Stopwatch.StartNew();
            var secondPort = ProcessReadings.FreePort();
            second = StartController(edgelb, kubeconfig, secondPort);
            await WaitReadyAsync(secondPort, TimeSpan.FromMinutes(2));
            restartSeconds = restart.Elapsed.TotalSeconds;
            await Task.Delay(TimeSpan.FromSeconds(3));
            var after = Snapshot(informer);
            changed = before.Count(kv => after.GetValueOrDefault(kv.Key) != kv.Value);
            secondRssMb = ProcessReadings.MemoryMb(second.Id, "VmHWM:");
            Console.WriteLine($"controller peak RSS: {peakRssMb:F1} MB, after the restart {secondRssMb:F1} MB");
        }
        finally
        {
            await StopAsync(controller);
            if (second is not null)
            {
                await StopAsync(second);
            }

            await watching.CancelAsync();
            await informerRun.ContinueWith(_ => { }, TaskScheduler.Default);
            await StopAsync(apiServer);
        }

        var metrics = new Dictionary<string, double>
        {
            ["services"] = Services,
            ["create_seconds"] = Math.Round(createSeconds, 2),
            ["seconds_to_all_external_ip"] = Math.Round(allIpSeconds, 2),
            ["controller_peak_rss_mb"] = Math.Round(Math.Max(peakRssMb, secondRssMb), 1),
            ["restart_seconds_to_ready"] = Math.Round(restartSeconds, 2),
            ["restart_changed_assignments"] = changed,
        };
        foreach (var (key, value) in await PendingStormScenario.RunAsync(edgelb))
        {
            metrics[key] = value;
        }

        BenchOutput.Write(outputPath, metrics);
        return 0;
    }

    /// <summary>
    /// The in-memory API server stands in for a kube-apiserver that has been running for a while:
    /// before the controller starts and the clock runs, it serves the same kinds of requests (and
    /// its watch streams the same events) for a few hundred Services in a namespace the measurement
    /// does not count, which are deleted again. The controller itself starts cold.
    /// </summary>
    private static async Task WarmUpAsync(KubeApiClient client)
    {
        const string Namespace = "bench-warm-up";
        await Parallel.ForAsync(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var svc = Service(i) with { Metadata = new ObjectMeta { Name = $"warm-{i}", Namespace = Namespace } };
            await client.CreateAsync(Resources.Services, svc, ct);
            var status = new System.Text.Json.Nodes.JsonObject { ["status"] = new System.Text.Json.Nodes.JsonObject { ["loadBalancer"] = new System.Text.Json.Nodes.JsonObject { ["ingress"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["ip"] = "198.19.0.1" }) } } };
            await client.PatchWithoutResultAsync(Resources.Services, Namespace, svc.Metadata.Name!, PatchType.Merge, status, subresource: "status", cancellationToken: ct);
            var annotation = new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { ["bench"] = "warm" } } };
            await client.PatchWithoutResultAsync(Resources.Services, Namespace, svc.Metadata.Name!, PatchType.Merge, annotation, cancellationToken: ct);
            await client.CreateAsync(Resources.Events, new KubeEvent { Metadata = new ObjectMeta { Name = $"warm-{i}", Namespace = Namespace }, Reason = "Warm", Message = "warming up", Type = "Normal" }, ct);
            await client.DeleteAsync(Resources.Services, Namespace, svc.Metadata.Name!, cancellationToken: ct);
        });
    }

    private static Service Service(int i) => new()
    {
        Metadata = new ObjectMeta { Name = $"svc-{i}", Namespace = $"ns-{i % 20}" },
        Spec = new ServiceSpec { Type = "LoadBalancer", Selector = new Dictionary<string, string> { ["app"] = $"a{i}" }, Ports = [new ServicePort { Port = 80, Protocol = "TCP" }] },
    };

    /// <summary>1 for a measured Service (namespace ns-*) that shows an ingress IP, else 0.</summary>
    private static int Counted(Service s) => IsMeasured(s) && s.Status?.LoadBalancer?.Ingress is [_, ..] ? 1 : 0;

    private static bool IsMeasured(Service s) => s.Metadata.Namespace?.StartsWith("ns-", StringComparison.Ordinal) == true;

    private static IEnumerable<Service> Measured(Informer<Service> informer) => informer.Cache.List().Where(IsMeasured);

    private static Dictionary<string, string?> Snapshot(Informer<Service> informer) =>
        Measured(informer).ToDictionary(ObjectKey.Of, s => s.Status?.LoadBalancer?.Ingress is [var first, ..] ? first.Ip : null, StringComparer.Ordinal);

    internal static async Task<(Process Process, Uri Address)> StartApiServerAsync(string edgelb, string kubeconfig)
    {
        var process = StartEdgelb(edgelb, "api-server", [
            "api-server", "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig, "--history", "100000", "--auto-create-namespaces",

            // 10,000 LoadBalancer Services need more NodePorts than the default range has, as in a
            // real cluster configured with a wider --service-node-port-range.
            "--service-node-port-range", "20000-40000",
        ]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            const string Marker = "listening on ";
            if (line.IndexOf(Marker, StringComparison.Ordinal) is var at and >= 0)
            {
                // Keep draining its output so it never blocks on a full pipe.
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                return (process, new Uri(line[(at + Marker.Length)..].Trim()));
            }
        }

        await StopAsync(process);
        throw new InvalidOperationException("edgelb api-server exited before it listened");
    }

    /// <summary>Starts <c>edgelb controller</c>; each line it writes to standard output goes to <paramref name="onLine"/> when given.</summary>
    internal static Process StartController(string edgelb, string kubeconfig, int port, string logLevel = "Warning", Action<string>? onLine = null)
    {
        var process = StartEdgelb(edgelb, "controller", ["controller", "--kubeconfig", kubeconfig, "--http-listen", $"127.0.0.1:{port}", "--log-level", logLevel], onLine);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { onLine?.Invoke(e.Data); } };
        process.BeginOutputReadLine();
        return process;
    }

    /// <summary>
    /// Starts <paramref name="edgelb"/> with its standard error echoed under <paramref name="role"/>
    /// (and each line also given to <paramref name="onErrorLine"/>); the caller reads its output.
    /// </summary>
    internal static Process StartEdgelb(string edgelb, string role, IEnumerable<string> args, Action<string>? onErrorLine = null)
    {
        var psi = new ProcessStartInfo(edgelb) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"{role}: {e.Data}");
                onErrorLine?.Invoke(e.Data);
            }
        };
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }
    }

    internal static async Task WaitReadyAsync(int port, TimeSpan within)
    {
        using var http = new HttpClient();
        await WaitAsync(
            () =>
            {
                try
                {
                    return http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz")).GetAwaiter().GetResult().IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            within,
            "the controller is ready");
    }

    internal static async Task WaitAsync(Func<bool> condition, TimeSpan within, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > within)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }



}
