using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.LeaderElection;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Kubernetes.Tests.Informers;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Kubernetes.Tests.Integration;

/// <summary>The client against the in-memory API server (src/EdgeLB.Sandbox), over real HTTP.</summary>
public sealed class SandboxApiServerTests : IAsyncLifetime, IDisposable
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private readonly TempDir _dir = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(90));
    private readonly List<Task> _running = [];
    private InMemoryApiServer _server = null!;
    private KubeApiClient _client = null!;

    public SandboxApiServerTests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
    }

    public async Task InitializeAsync()
    {
        _server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { AutoCreateNamespaces = true, BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = _server.WriteKubeconfig(Path.Combine(_dir.Path, "config"), "shop") });
        _client = new KubeApiClient(config, new KubeApiOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(10), RetryMaxDelay = TimeSpan.FromSeconds(2) });
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var task in _running)
        {
            await task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        _client.Dispose();
        await _server.DisposeAsync();
    }

    public void Dispose()
    {
        _dir.Dispose();
        _stop.Dispose();
    }

    private static Service LoadBalancer(string name, string policy = "Cluster") => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "shop" },
        Spec = new ServiceSpec
        {
            Type = "LoadBalancer",
            ExternalTrafficPolicy = policy,
            Selector = new Dictionary<string, string>(StringComparer.Ordinal) { ["app"] = name },
            Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = 8080, Protocol = "TCP" }],
        },
    };

    private static async Task WaitUntil(Func<bool> condition, string what, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Kubeconfig_FromServer_LoadsAndAuthenticates()
    {
        Assert.Equal("shop", _client.Configuration.Namespace);
        var nodes = await _client.ListAllAsync(Resources.Nodes, null);
        Assert.NotNull(nodes.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Service_CreateIsDefaulted_StatusPatchAndConflictsBehave()
    {
        var created = await _client.CreateAsync(Resources.Services, LoadBalancer("web", "Local"));
        Assert.False(string.IsNullOrEmpty(created.Spec!.ClusterIP));
        Assert.InRange(created.Spec.Ports![0].NodePort!.Value, 30000, 32767);
        Assert.InRange(created.Spec.HealthCheckNodePort!.Value, 30000, 32767);

        var patched = await _client.PatchStatusWithRetryAsync(Resources.Services, "shop", "web", _ =>
            new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "198.18.0.100", ["ipMode"] = "Proxy" }) } });
        Assert.Equal("198.18.0.100", patched.Status!.LoadBalancer!.Ingress![0].Ip);
        Assert.Equal("Proxy", patched.Status.LoadBalancer.Ingress[0].IpMode);

        // The main endpoint ignores status; a stale resourceVersion conflicts.
        var withStatusChange = patched with
        {
            Metadata = patched.Metadata with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["tier"] = "edge" } },
            Status = new ServiceStatus(),
        };
        var updated = await _client.UpdateAsync(Resources.Services, withStatusChange);
        Assert.Equal("198.18.0.100", updated.Status!.LoadBalancer!.Ingress![0].Ip);
        await Assert.ThrowsAsync<KubernetesConflictException>(() => _client.UpdateAsync(Resources.Services, patched));
        await Assert.ThrowsAsync<KubernetesAlreadyExistsException>(() => _client.CreateAsync(Resources.Services, LoadBalancer("web")));
        await Assert.ThrowsAsync<KubernetesNotFoundException>(() => _client.GetAsync(Resources.Services, "shop", "nope"));

        var applied = await _client.ApplyAsync(
            Resources.Services,
            new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "shop" },
                ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "edgelb.io/Allocated", ["status"] = "True", ["reason"] = "FromPool", ["message"] = "lan", ["lastTransitionTime"] = "2026-01-01T00:00:00Z" }) },
            },
            "edgelb-controller",
            force: true,
            subresource: "status");
        Assert.Equal("edgelb.io/Allocated", applied.Status!.Conditions![0].Type);
    }

    [Fact]
    public async Task Retries_InjectedServerErrors_WithRetryAfter()
    {
        await _client.CreateAsync(Resources.Services, LoadBalancer("web"));
        _server.Faults.FailNext(2, 503, TimeSpan.FromSeconds(1));
        var started = DateTime.UtcNow;
        var svc = await _client.GetAsync(Resources.Services, "shop", "web");
        Assert.Equal("web", svc.Metadata.Name);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(1.8), "Retry-After was not honoured");
    }

    [Fact]
    public async Task Informer_DroppedWatchesAndCompaction_ConvergesWithoutLostOrReorderedEvents()
    {
        using var writer = new KubeApiClient(_client.Configuration, new KubeApiOptions { RetryBaseDelay = TimeSpan.FromMilliseconds(5) });
        for (var i = 0; i < 5; i++)
        {
            await writer.CreateAsync(Resources.Services, LoadBalancer($"s{i}"));
        }

        var informer = new Informer<Service>(_client, Resources.Services, new InformerOptions
        {
            Namespace = "shop",
            InitialBackoff = TimeSpan.FromMilliseconds(10),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
            MinHealthyWatch = TimeSpan.Zero,
            MinWatchTimeout = TimeSpan.FromSeconds(30),
        });
        var handler = new RecordingHandler<Service>();
        informer.AddHandler(handler);
        _running.Add(informer.RunAsync(_stop.Token));
        await informer.WaitForSyncAsync(_stop.Token);

        var random = new Random(7);
        for (var i = 0; i < 120; i++)
        {
            var name = $"s{random.Next(12)}";
            var existing = await writer.TryGetAsync(Resources.Services, "shop", name);
            if (existing is null)
            {
                await writer.CreateAsync(Resources.Services, LoadBalancer(name));
            }
            else if (random.Next(3) == 0)
            {
                await writer.DeleteAsync(Resources.Services, "shop", name);
            }
            else
            {
                await writer.PatchAsync(Resources.Services, "shop", name, PatchType.Merge, new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["i"] = $"{i}" } } });
            }

            if (i % 20 == 10)
            {
                _server.Faults.DropWatches(abort: i % 40 == 10);
            }

            if (i == 60)
            {
                _server.Faults.CompactHistory();
                _server.Faults.DropWatches();
            }
        }

        var server = await writer.ListAllAsync(Resources.Services, "shop");
        var expected = server.Items.ToDictionary(ObjectKey.Of, s => s.Metadata.ResourceVersion!, StringComparer.Ordinal);
        await WaitUntil(() => informer.Cache.List().ToDictionary(ObjectKey.Of, s => s.Metadata.ResourceVersion!, StringComparer.Ordinal).OrderBy(k => k.Key, StringComparer.Ordinal).SequenceEqual(expected.OrderBy(k => k.Key, StringComparer.Ordinal)), "cache to equal the server");
        await WaitUntil(() => handler.Model.OrderBy(k => k.Key, StringComparer.Ordinal).SequenceEqual(expected.OrderBy(k => k.Key, StringComparer.Ordinal)), "handlers to see every change");
        Assert.Empty(handler.Violations);
        Assert.True(informer.WatchCount >= 4, $"only {informer.WatchCount} watches");
    }

    [Fact]
    public async Task Informer_Bookmarks_AdvanceResourceVersion()
    {
        var informer = new Informer<Service>(_client, Resources.Services, new InformerOptions { Namespace = "quiet", MinHealthyWatch = TimeSpan.Zero });
        _running.Add(informer.RunAsync(_stop.Token));
        await informer.WaitForSyncAsync(_stop.Token);
        var before = informer.LastSyncResourceVersion;
        await _client.CreateAsync(Resources.Services, LoadBalancer("elsewhere"));
        await WaitUntil(() => informer.LastSyncResourceVersion != before && long.Parse(informer.LastSyncResourceVersion!, System.Globalization.CultureInfo.InvariantCulture) >= _server.ResourceVersion, "a bookmark");
        Assert.Equal(0, informer.Cache.Count);
    }

    [Fact]
    public async Task LeaderElection_TwoCandidates_OneLeads_ReleaseHandsOver()
    {
        LeaderElector Candidate(string id) => new(_client, new LeaderElectionOptions
        {
            LeaseNamespace = "edgelb-system",
            LeaseName = "controller",
            Identity = id,
            LeaseDuration = TimeSpan.FromSeconds(3),
            RenewDeadline = TimeSpan.FromSeconds(2),
            RetryPeriod = TimeSpan.FromMilliseconds(300),
        });
        var a = Candidate("a");
        var b = Candidate("b");
        using var stopA = new CancellationTokenSource();
        var runA = a.RunAsync(stopA.Token);
        await WaitUntil(() => a.IsLeader, "a to lead");
        _running.Add(b.RunAsync(_stop.Token));
        for (var i = 0; i < 100; i++)
        {
            Assert.False(a.IsLeader && b.IsLeader, "two leaders");
            await Task.Delay(10);
        }

        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        await stopA.CancelAsync();
        Assert.True(await runA);
        var released = DateTime.UtcNow;
        await WaitUntil(() => b.IsLeader, "b to take over", 5);
        Assert.True(DateTime.UtcNow - released < TimeSpan.FromSeconds(3), "takeover after release took a whole lease duration");
        var lease = await _client.GetAsync(Resources.Leases, "edgelb-system", "controller");
        Assert.Equal("b", lease.Spec!.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }

    [Fact]
    public async Task EventRecorder_Aggregates()
    {
        var svc = await _client.CreateAsync(Resources.Services, LoadBalancer("web"));
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "edgelb-controller", SeriesInterval = TimeSpan.Zero });
        for (var i = 0; i < 3; i++)
        {
            Assert.True(await recorder.RecordAsync(svc, EventRecorder.Normal, "IPAllocated", "Assigned IP 198.18.0.100"));
        }

        var events = await _client.ListAllAsync(Resources.Events, "shop");
        var ev = Assert.Single(events.Items);
        Assert.Equal(3, ev.Count);
        Assert.Equal("web", ev.InvolvedObject!.Name);
    }

    [Fact]
    public async Task TokenReview_OfIssuedToken_Authenticates()
    {
        var token = _server.IssueToken("speaker", "edgelb-system");
        var review = await _client.ReviewTokenAsync(token);
        Assert.True(review.Status!.Authenticated);
        Assert.Equal("system:serviceaccount:edgelb-system:speaker", review.Status.User!.Username);
    }

    [Fact]
    public async Task Informer_SyncsAThousandServices()
    {
        var created = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++)
        {
            _server.CreateObjects("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"s" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\",\"namespace\":\"bulk\"},\"spec\":{\"type\":\"ClusterIP\",\"ports\":[{\"port\":80}]}}");
        }

        _output.WriteLine($"created 1000 Services in-process in {created.Elapsed.TotalMilliseconds:0} ms");
        var informer = new Informer<Service>(_client, Resources.Services, new InformerOptions { Namespace = "bulk" });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        _running.Add(informer.RunAsync(_stop.Token));
        await informer.WaitForSyncAsync(_stop.Token);
        watch.Stop();
        Assert.Equal(1_000, informer.Cache.Count);
        Assert.Equal(1, informer.ListCount);
        _output.WriteLine($"initial sync of 1000 Services: {watch.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Crds_RoundTrip()
    {
        var pool = await _client.CreateAsync(Resources.IPAddressPools, new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" },
            Spec = new IPAddressPoolSpec { Addresses = ["198.18.0.100-198.18.0.150"], AutoAssign = true },
        });
        Assert.Equal("lan", pool.Metadata.Name);
        var l2 = await _client.CreateAsync(Resources.L2Advertisements, new L2Advertisement
        {
            Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" },
            Spec = new L2AdvertisementSpec { IpAddressPools = ["lan"] },
        });
        Assert.Equal("lan", Assert.Single(l2.Spec!.IpAddressPools!));
        var pools = await _client.ListAllAsync(Resources.IPAddressPools, "edgelb-system");
        Assert.Single(pools.Items);
    }
}
