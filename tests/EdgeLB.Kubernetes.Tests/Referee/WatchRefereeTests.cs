using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Informers;
using k8s;
using k8s.Models;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// EdgeLB's informer and KubernetesClient's watch, side by side on the in-memory API server, while
/// both clients change the same Services: each must report the same sequence of added, modified and
/// deleted objects at the same resourceVersions, and that sequence must be the writes that were made.
/// </summary>
public sealed class WatchRefereeTests : IAsyncLifetime
{
    private const string Namespace = "shop";
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private RefereeApiServer _api = null!;

    public async Task InitializeAsync() => _api = await RefereeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _api.DisposeAsync();
        _stop.Dispose();
    }

    private static Service LoadBalancer(string name) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = Namespace },
        Spec = new ServiceSpec
        {
            Type = "LoadBalancer",
            Selector = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = name },
            Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }],
        },
    };

    private static V1Service TheirLoadBalancer(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace },
        Spec = new V1ServiceSpec
        {
            Type = "LoadBalancer",
            Selector = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = name },
            Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }],
        },
    };

    [Fact]
    public async Task InformerAndKubernetesClientWatch_SeeTheSameEvents()
    {
        var ours = _api.Ours;
        var theirs = _api.Theirs;
        var expected = new List<(string Kind, string Key, string Rv)>();
        void Wrote(string kind, string name, string? rv) => expected.Add((kind, $"{Namespace}/{name}", rv!));

        // Two Services exist before either starts: both must report them as added.
        Wrote("add", "a", (await ours.CreateAsync(Resources.Services, LoadBalancer("a"))).Metadata.ResourceVersion);
        Wrote("add", "b", (await theirs.CoreV1.CreateNamespacedServiceAsync(TheirLoadBalancer("b"), Namespace)).Metadata.ResourceVersion);

        var informer = new Informer<Service>(ours, Resources.Services, new InformerOptions { Namespace = Namespace, MinWatchTimeout = TimeSpan.FromSeconds(30) });
        var handler = new RecordingHandler<Service>();
        informer.AddHandler(handler);
        var informing = informer.RunAsync(_stop.Token);

        // KubernetesClient the way its documentation shows: list, then watch from the list's resourceVersion.
        var seen = new ConcurrentQueue<(string Kind, string Key, string Rv)>();
        var list = await theirs.CoreV1.ListNamespacedServiceAsync(Namespace);
        foreach (var item in list.Items)
        {
            seen.Enqueue(("add", $"{item.Metadata.NamespaceProperty}/{item.Metadata.Name}", item.Metadata.ResourceVersion));
        }

        var watchErrors = new ConcurrentQueue<Exception>();
        var watching = Task.Run(
            async () =>
            {
                var events = theirs.CoreV1.WatchListNamespacedServiceAsync(Namespace, resourceVersion: list.Metadata.ResourceVersion, timeoutSeconds: 60, onError: watchErrors.Enqueue, cancellationToken: _stop.Token);
                await foreach (var (type, service) in events)
                {
                    var kind = type switch
                    {
                        k8s.WatchEventType.Added => "add",
                        k8s.WatchEventType.Modified => "update",
                        k8s.WatchEventType.Deleted => "delete",
                        _ => type.ToString(),
                    };
                    seen.Enqueue((kind, $"{service.Metadata.NamespaceProperty}/{service.Metadata.Name}", service.Metadata.ResourceVersion));
                }
            },
            _stop.Token);

        await informer.WaitForSyncAsync(_stop.Token);
        Assert.True(SpinWait.SpinUntil(() => _api.Server.OpenWatches >= 2, TimeSpan.FromSeconds(20)), "both watches should open");

        // Changes from both clients, of every kind the controller cares about.
        Wrote("add", "c", (await theirs.CoreV1.CreateNamespacedServiceAsync(TheirLoadBalancer("c"), Namespace)).Metadata.ResourceVersion);
        var a = await ours.GetAsync(Resources.Services, Namespace, "a");
        Wrote("update", "a", (await ours.UpdateAsync(Resources.Services, a with { Metadata = a.Metadata with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["tier"] = "edge" } } })).Metadata.ResourceVersion);
        var withIp = await ours.PatchStatusWithRetryAsync(Resources.Services, Namespace, "c", _ =>
            new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "198.18.0.100", ["ipMode"] = "Proxy" }) } });
        Wrote("update", "c", withIp.Metadata.ResourceVersion);
        var b = await theirs.CoreV1.ReadNamespacedServiceAsync("b", Namespace);
        b.Metadata.Annotations = new Dictionary<string, string>(StringComparer.Ordinal) { ["edgelb.io/address-pool"] = "lan" };
        Wrote("update", "b", (await theirs.CoreV1.ReplaceNamespacedServiceAsync(b, "b", Namespace)).Metadata.ResourceVersion);
        var patch = new V1Patch("""{"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.101"}]}}}""", V1Patch.PatchType.MergePatch);
        Wrote("update", "b", (await theirs.CoreV1.PatchNamespacedServiceStatusAsync(patch, "b", Namespace)).Metadata.ResourceVersion);
        await ours.DeleteAsync(Resources.Services, Namespace, "a");
        Wrote("delete", "a", null);
        Wrote("add", "d", (await ours.CreateAsync(Resources.Services, LoadBalancer("d"))).Metadata.ResourceVersion);
        await theirs.CoreV1.DeleteNamespacedServiceAsync("d", Namespace);
        Wrote("delete", "d", null);
        await theirs.CoreV1.DeleteNamespacedServiceAsync("b", Namespace);
        Wrote("delete", "b", null);

        Assert.True(SpinWait.SpinUntil(() => handler.Log.Count >= expected.Count && seen.Count >= expected.Count, TimeSpan.FromSeconds(20)), "both should see every change");
        await Task.Delay(200); // nothing more may arrive
        var ourLog = handler.Log.ToList();
        var theirLog = seen.ToList();

        Assert.Empty(watchErrors);
        Assert.Empty(handler.Violations);
        Assert.Equal(theirLog, ourLog);

        // A deletion's resourceVersion is the server's; the rest must be exactly what the writes returned.
        Assert.Equal(expected.Select(e => (e.Kind, e.Key)), ourLog.Select(e => (e.Kind, e.Key)));
        Assert.Equal(expected.Where(e => e.Rv is not null), ourLog.Where((_, i) => expected[i].Rv is not null));
        Assert.False(informing.IsCompleted);
        Assert.False(watching.IsCompleted);
    }
}
