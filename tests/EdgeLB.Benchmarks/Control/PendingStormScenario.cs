using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Benchmarks.Control;

/// <summary>
/// Part of `hack/bench.sh control`: 2,000 Services wait on an exhausted pool while 100 changes
/// happen around them, most of them unrelated (Services of another namespace and another pool
/// changing type, deleted and created) and a few deletions in the exhausted pool. Counts the Event
/// writes the API server answered (its apiserver_request_total, POST and PATCH of events) and the
/// lines the controller wrote, from the first change until <see cref="Trailing"/> after the last.
/// </summary>
internal static class PendingStormScenario
{
    private const int PoolSize = 50;
    private const int Waiting = 2_000;
    private const int Others = 40;
    private const int Flips = 30;
    private const int Replacements = 15;
    private const int ExhaustedDeletions = 10;
    private const string StormNamespace = "storm";
    private const string OtherNamespace = "bystander";

    /// <summary>
    /// How long writes and lines are still counted after the last change: longer than the
    /// controller's one-minute Event series interval, so repeats it counted and wrote later count
    /// too, as do refusals retried with backoff.
    /// </summary>
    private static readonly TimeSpan Trailing = TimeSpan.FromSeconds(75);

    public static async Task<Dictionary<string, double>> RunAsync(string edgelb)
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"edgelb-bench-storm-{Environment.ProcessId}", "kubeconfig");
        var (apiServer, apiAddress) = await ControlSuite.StartApiServerAsync(edgelb, kubeconfig);
        using var client = new KubeApiClient(KubernetesClientConfiguration.ForServer(apiAddress));
        using var http = new HttpClient { BaseAddress = apiAddress };
        await client.CreateAsync(Resources.IPAddressPools, Pool("exhausted", $"198.18.10.1-198.18.10.{PoolSize}"));
        await client.CreateAsync(Resources.IPAddressPools, Pool("other", "198.18.20.0/24"));

        using var watching = new CancellationTokenSource();
        var informer = new Informer<Service>(client, Resources.Services);
        var informerRun = informer.RunAsync(watching.Token);
        await informer.WaitForSyncAsync();

        var lines = 0L;
        var port = ProcessReadings.FreePort();
        var controller = ControlSuite.StartController(edgelb, kubeconfig, port, logLevel: "Information", onLine: _ => Interlocked.Increment(ref lines));
        try
        {
            await ControlSuite.WaitReadyAsync(port, TimeSpan.FromMinutes(1));
            await Parallel.ForAsync(0, PoolSize + Waiting, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                await client.CreateWithoutResultAsync(Resources.Services, Service(StormNamespace, $"wait-{i}", "exhausted"), ct));
            await Parallel.ForAsync(0, Others, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                await client.CreateWithoutResultAsync(Resources.Services, Service(OtherNamespace, $"app-{i}", "other"), ct));
            await ControlSuite.WaitAsync(() => WithIp(informer, StormNamespace) == PoolSize && WithIp(informer, OtherNamespace) == Others, TimeSpan.FromMinutes(2), "the pools are handed out");

            // Every waiting Service has been refused once: its Event exists.
            await ControlSuite.WaitAsync(() => EventWrites(http).GetAwaiter().GetResult() >= PoolSize + Waiting + Others, TimeSpan.FromMinutes(2), "every Service has its first Event");
            await Task.Delay(TimeSpan.FromSeconds(5));

            var writesBefore = await EventWrites(http);
            var linesBefore = Interlocked.Read(ref lines);
            var started = Stopwatch.StartNew();
            var changes = 0;
            for (var i = 0; i < Flips; i++)
            {
                await SetTypeAsync(client, $"app-{i}", "ClusterIP");
                await SetTypeAsync(client, $"app-{i}", "LoadBalancer");
                changes += 2;
                await Task.Delay(50);
            }

            for (var i = 0; i < Replacements; i++)
            {
                await client.DeleteAsync(Resources.Services, OtherNamespace, $"app-{Others - 1 - i}");
                await client.CreateWithoutResultAsync(Resources.Services, Service(OtherNamespace, $"app-new-{i}", "other"));
                changes += 2;
                await Task.Delay(50);
            }

            var holders = informer.Cache.List().Where(s => s.Metadata.Namespace == StormNamespace && HasIp(s)).Take(ExhaustedDeletions).ToList();
            foreach (var holder in holders)
            {
                await client.DeleteAsync(Resources.Services, StormNamespace, holder.Metadata.Name!);
                changes++;
                await Task.Delay(50);
            }

            await ControlSuite.WaitAsync(() => WithIp(informer, StormNamespace) == PoolSize && WithIp(informer, OtherNamespace) == Others, TimeSpan.FromMinutes(1), "the freed addresses are handed out again");
            var servedSeconds = started.Elapsed.TotalSeconds;
            await Task.Delay(Trailing);
            var writes = await EventWrites(http) - writesBefore;
            var logLines = Interlocked.Read(ref lines) - linesBefore;
            var duplicates = informer.Cache.List().Where(HasIp).GroupBy(s => s.Status!.LoadBalancer!.Ingress![0].Ip).Count(g => g.Count() > 1);
            Console.WriteLine($"pending storm: {changes} changes around {Waiting} waiting Services cost {writes} Event writes and {logLines} controller log lines; freed addresses handed out again after {servedSeconds:F1} s; {duplicates} duplicate addresses");
            if (duplicates > 0)
            {
                throw new InvalidOperationException($"{duplicates} addresses are held twice");
            }

            return new Dictionary<string, double>
            {
                ["pending_storm_waiting_services"] = Waiting,
                ["pending_storm_changes"] = changes,
                ["pending_storm_event_writes"] = writes,
                ["pending_storm_log_lines"] = logLines,
            };
        }
        finally
        {
            await ControlSuite.StopAsync(controller);
            await watching.CancelAsync();
            await informerRun.ContinueWith(_ => { }, TaskScheduler.Default);
            await ControlSuite.StopAsync(apiServer);
        }
    }

    private static IPAddressPool Pool(string name, string addresses) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "edgelb-system" },
        Spec = new IPAddressPoolSpec { Addresses = [addresses] },
    };

    private static Service Service(string ns, string name, string pool) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Annotations = new Dictionary<string, string> { ["edgelb.io/address-pool"] = pool } },
        Spec = new ServiceSpec { Type = "LoadBalancer", Selector = new Dictionary<string, string> { ["app"] = name }, Ports = [new ServicePort { Port = 80, Protocol = "TCP" }] },
    };

    private static Task SetTypeAsync(KubeApiClient client, string name, string type) =>
        client.PatchWithoutResultAsync(Resources.Services, OtherNamespace, name, PatchType.Merge, new JsonObject { ["spec"] = new JsonObject { ["type"] = type } });

    private static bool HasIp(Service s) => s.Status?.LoadBalancer?.Ingress is [_, ..];

    private static int WithIp(Informer<Service> informer, string ns) =>
        informer.Cache.List().Count(s => s.Metadata.Namespace == ns && s.Spec?.Type == "LoadBalancer" && HasIp(s));

    /// <summary>Creates and patches of Events the API server answered with success, from its /metrics.</summary>
    private static async Task<long> EventWrites(HttpClient http)
    {
        var text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        long total = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("apiserver_request_total{", StringComparison.Ordinal)
                && line.Contains("resource=\"events\"", StringComparison.Ordinal)
                && line.Contains("code=\"2", StringComparison.Ordinal)
                && (line.Contains("verb=\"POST\"", StringComparison.Ordinal) || line.Contains("verb=\"PATCH\"", StringComparison.Ordinal) || line.Contains("verb=\"PUT\"", StringComparison.Ordinal)))
            {
                total += long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
