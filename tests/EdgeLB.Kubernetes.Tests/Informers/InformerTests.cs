using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;

namespace EdgeLB.Kubernetes.Tests.Informers;

/// <summary>Informer correctness under every fault the fake server can inject.</summary>
public sealed class InformerTests : IAsyncLifetime
{
    private static readonly InformerOptions Fast = new()
    {
        MinWatchTimeout = TimeSpan.FromSeconds(30),
        InitialBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(100),
        MinHealthyWatch = TimeSpan.Zero,
    };

    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private FakeApiServer _server = null!;
    private KubeApiClient _client = null!;
    private Task? _run;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _client = FakeApi.Client(_server);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run;
        }

        _client.Dispose();
        await _server.DisposeAsync();
        _stop.Dispose();
    }

    private (Informer<Service> Informer, RecordingHandler<Service> Handler) Start(InformerOptions? options = null)
    {
        var informer = new Informer<Service>(_client, Resources.Services, options ?? Fast);
        var handler = new RecordingHandler<Service>();
        informer.AddHandler(handler);
        _run = informer.RunAsync(_stop.Token);
        return (informer, handler);
    }

    private Dictionary<string, string> ServerState(string? ns = null) =>
        _server.Snapshot(FakeApi.Services)
            .Where(kv => ns is null || kv.Key.StartsWith(ns + "/", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key, kv => kv.Value["metadata"]!["resourceVersion"]!.GetValue<string>(), StringComparer.Ordinal);

    private static Dictionary<string, string> CacheState(Informer<Service> informer) =>
        informer.Cache.List().ToDictionary(ObjectKey.Of, s => s.Metadata.ResourceVersion!, StringComparer.Ordinal);

    private static async Task WaitUntil(Func<bool> condition, string what, double seconds = 15)
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

    /// <summary>Cache equals the server, and replaying the notifications gives the same state.</summary>
    private async Task AssertConvergedAsync(Informer<Service> informer, RecordingHandler<Service> handler, string? ns = null)
    {
        await WaitUntil(() => CacheState(informer).OrderBy(k => k.Key, StringComparer.Ordinal).SequenceEqual(ServerState(ns).OrderBy(k => k.Key, StringComparer.Ordinal)), "cache to equal the server");
        await WaitUntil(() => handler.Model.OrderBy(k => k.Key, StringComparer.Ordinal).SequenceEqual(ServerState(ns).OrderBy(k => k.Key, StringComparer.Ordinal)), "handlers to have seen every change");
        Assert.Empty(handler.Violations);
    }

    [Fact]
    public async Task Sync_DeliversInitialListThenChangesInOrder()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "b"));
        var (informer, handler) = Start();
        Assert.False(informer.HasSynced);
        await informer.WaitForSyncAsync(_stop.Token);
        Assert.True(informer.HasSynced);
        Assert.Equal(2, handler.Log.Count);
        Assert.Contains(_server.Requests, r => r.StartsWith("GET /api/v1/services?limit=500&resourceVersion=0 ", StringComparison.Ordinal));

        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "c"));
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        _server.Remove(FakeApi.Services, "shop", "b");
        await AssertConvergedAsync(informer, handler);
        Assert.Equal(["add", "add", "add", "update", "delete"], handler.Log.Select(l => l.Kind).ToArray());
        Assert.Contains(_server.Requests, r => r.Contains("watch=1", StringComparison.Ordinal) && r.Contains("allowWatchBookmarks=true", StringComparison.Ordinal) && r.Contains("timeoutSeconds=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DroppedWatches_ResumeFromLastVersion_NoEventLostOrReordered()
    {
        var (informer, handler) = Start();
        await informer.WaitForSyncAsync(_stop.Token);
        var random = new Random(42);
        for (var i = 0; i < 300; i++)
        {
            var name = $"s{random.Next(20)}";
            if (random.Next(4) == 0)
            {
                _server.Remove(FakeApi.Services, "shop", name);
            }
            else
            {
                _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", name));
            }

            if (i % 15 == 7)
            {
                _server.DropWatches();
            }

            if (i % 5 == 0)
            {
                await Task.Delay(2);
            }
        }

        await AssertConvergedAsync(informer, handler);
        Assert.Equal(1, informer.ListCount);
        Assert.True(informer.WatchCount > 5, $"only {informer.WatchCount} watches");
        Assert.Contains(_server.Requests, r => r.Contains("watch=1", StringComparison.Ordinal) && !r.Contains("resourceVersion=0", StringComparison.Ordinal) && r.Contains("resourceVersion=1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Gone_Relists_AndEmitsDeletesForVanishedObjects(bool asErrorEvent)
    {
        _server.GoneAsErrorEvent = asErrorEvent;
        for (var i = 0; i < 5; i++)
        {
            _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", $"s{i}"));
        }

        var (informer, handler) = Start();
        await informer.WaitForSyncAsync(_stop.Token);

        // While the informer cannot watch, objects change and the server forgets the history.
        _server.RejectWatchesWith = 500;
        _server.DropWatches();
        _server.Remove(FakeApi.Services, "shop", "s0");
        _server.Remove(FakeApi.Services, "shop", "s1");
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "s2"));
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "s9"));
        _server.Compact();
        _server.RejectWatchesWith = null;

        await AssertConvergedAsync(informer, handler);
        Assert.Equal(2, informer.ListCount);
        var afterSync = handler.Log.Skip(5).ToList();
        Assert.Contains(("delete", "shop/s0"), afterSync.Select(l => (l.Kind, l.Key)));
        Assert.Contains(("delete", "shop/s1"), afterSync.Select(l => (l.Kind, l.Key)));
        Assert.Contains(("update", "shop/s2"), afterSync.Select(l => (l.Kind, l.Key)));
        Assert.Contains(("add", "shop/s9"), afterSync.Select(l => (l.Kind, l.Key)));
        Assert.Equal(4, afterSync.Count);

        // Changes after the relist flow again through the new watch.
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "s3"));
        await AssertConvergedAsync(informer, handler);
    }

    [Fact]
    public async Task GoneListToo_RelistsWithQuorumRead()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        var (informer, handler) = Start();
        await informer.WaitForSyncAsync(_stop.Token);
        await WaitUntil(() => _server.ActiveWatches > 0, "a watch"); // else the first 410 hits the watch still being opened

        // The resumed watch and the relist at the last version both get 410.
        _server.FailNext(2, 410);
        _server.DropWatches();
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "b"));
        await AssertConvergedAsync(informer, handler);
        Assert.Contains(_server.Requests, r => r == "GET /api/v1/services?limit=500 ");
    }

    public enum WentBackSignal
    {
        /// <summary>The resumed watch gets an ERROR event: 504 Timeout, cause ResourceVersionTooLarge.</summary>
        WatchTooLarge,

        /// <summary>The relist at the last resourceVersion gets HTTP 504 with that cause.</summary>
        ListTooLarge,

        /// <summary>A watch that stays open delivers an event with a lower resourceVersion.</summary>
        WatchEventOlder,

        /// <summary>A server that does not check answers the relist at a lower resourceVersion.</summary>
        ListOlder,
    }

    [Theory]
    [InlineData(WentBackSignal.WatchTooLarge)]
    [InlineData(WentBackSignal.ListTooLarge)]
    [InlineData(WentBackSignal.WatchEventOlder)]
    [InlineData(WentBackSignal.ListOlder)]
    public async Task StateThatGoesBack_ListsAfresh_AndDropsWhatNoLongerExists(WentBackSignal signal)
    {
        var keep = FakeApi.Service("shop", "keep");
        keep["metadata"]!["uid"] = "uid-keep";
        _server.Put(FakeApi.Services, "shop", keep);
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "old-a"));
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "old-b"));
        var (informer, handler) = Start();
        handler.ResourceVersionsMayGoBack = true;
        await informer.WaitForSyncAsync(_stop.Token);
        await WaitUntil(() => _server.ActiveWatches > 0, "a watch");
        var before = informer.LastSyncResourceVersion;

        // The server comes back with an older state: "keep" (the same object) and a new "fresh";
        // "old-a" and "old-b" were never in it. Its counter starts far below what the informer saw.
        var restored = FakeApi.Service("shop", "keep");
        restored["metadata"]!["uid"] = "uid-keep";
        _server.AnswerTooLargeResourceVersion = signal != WentBackSignal.ListOlder;
        _server.ForgetEverything(
            resourceVersion: 3,
            keepWatches: signal != WentBackSignal.WatchTooLarge,
            (FakeApi.Services, "shop", restored),
            (FakeApi.Services, "shop", FakeApi.Service("shop", "fresh")));
        switch (signal)
        {
            case WentBackSignal.ListTooLarge or WentBackSignal.ListOlder:
                // Any watch error that is not 410 makes the informer relist at its last resourceVersion.
                _server.SendWatchError(500, "InternalError");
                break;
            case WentBackSignal.WatchEventOlder:
                _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "fresh"));
                break;
        }

        await AssertConvergedAsync(informer, handler);
        Assert.Equal(1, informer.StateWentBackCount);
        Assert.Equal(2, informer.ListCount);
        var afterSync = handler.Log.Skip(3).Select(l => (l.Kind, l.Key)).ToList();
        Assert.Contains(("delete", "shop/old-a"), afterSync);
        Assert.Contains(("delete", "shop/old-b"), afterSync);
        Assert.Contains(("update", "shop/keep"), afterSync);
        Assert.Contains(("add", "shop/fresh"), afterSync);
        Assert.Equal(4, afterSync.Count);
        if (signal != WentBackSignal.ListOlder)
        {
            // Listed without a resourceVersion: the newest state, whatever the old counter said.
            Assert.Contains(_server.Requests, r => r == "GET /api/v1/services?limit=500 ");
        }

        if (signal == WentBackSignal.ListTooLarge)
        {
            Assert.Contains(_server.Requests, r => r == $"GET /api/v1/services?limit=500&resourceVersion={before} ");
        }

        // The new state's changes flow through a watch from its own resourceVersions, without more lists.
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "later"));
        _server.Remove(FakeApi.Services, "shop", "fresh");
        await AssertConvergedAsync(informer, handler);
        Assert.Equal(2, informer.ListCount);
        Assert.Equal(1, informer.StateWentBackCount);
    }

    [Fact]
    public async Task SameNameWithAnotherUid_AfterStateWentBack_IsDeleteThenAdd()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        var (informer, handler) = Start();
        handler.ResourceVersionsMayGoBack = true;
        await informer.WaitForSyncAsync(_stop.Token);
        await WaitUntil(() => _server.ActiveWatches > 0, "a watch");
        var oldUid = informer.Cache.Get("shop", "web")!.Metadata.Uid;

        _server.ForgetEverything(resourceVersion: 3);
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        await AssertConvergedAsync(informer, handler);
        Assert.NotEqual(oldUid, informer.Cache.Get("shop", "web")!.Metadata.Uid);
        Assert.Equal([("delete", "shop/web"), ("add", "shop/web")], handler.Log.Skip(1).Select(l => (l.Kind, l.Key)).ToArray());
    }

    [Fact]
    public async Task NonGoneErrorEvent_Relists()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        var (informer, handler) = Start();
        await informer.WaitForSyncAsync(_stop.Token);
        await WaitUntil(() => _server.ActiveWatches > 0, "a watch");
        _server.SendWatchError(500, "InternalError");
        await WaitUntil(() => informer.ListCount == 2, "a relist");
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "b"));
        await AssertConvergedAsync(informer, handler);
    }

    [Fact]
    public async Task Bookmarks_AdvanceResourceVersion_WithoutNotifications()
    {
        _server.Put(FakeApi.Services, "a", FakeApi.Service("a", "x"));
        var (informer, handler) = Start(new InformerOptions
        {
            Namespace = "a",
            MinWatchTimeout = Fast.MinWatchTimeout,
            InitialBackoff = Fast.InitialBackoff,
            MaxBackoff = Fast.MaxBackoff,
            MinHealthyWatch = TimeSpan.Zero,
        });
        await informer.WaitForSyncAsync(_stop.Token);
        await WaitUntil(() => _server.ActiveWatches > 0, "a watch");
        for (var i = 0; i < 10; i++)
        {
            _server.Put(FakeApi.Services, "b", FakeApi.Service("b", $"y{i}"));
        }

        var serverRv = _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(serverRv, informer.LastSyncResourceVersion, StringComparer.Ordinal);
        _server.SendBookmarks();
        await WaitUntil(() => informer.LastSyncResourceVersion == serverRv, "the bookmark's resourceVersion");
        Assert.Single(handler.Log);

        // After a drop, the watch resumes from the bookmark, not from the older object version.
        _server.DropWatches();
        await WaitUntil(() => _server.Requests.Any(r => r.Contains($"resourceVersion={serverRv}&", StringComparison.Ordinal) && r.Contains("watch=1", StringComparison.Ordinal)), "a watch from the bookmark");
        await AssertConvergedAsync(informer, handler, "a");
    }

    [Fact]
    public async Task WatchRejectedWithServerErrors_BacksOffAndResumes()
    {
        var (informer, handler) = Start();
        await informer.WaitForSyncAsync(_stop.Token);
        _server.RejectWatchesWith = 503;
        _server.DropWatches();
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        await WaitUntil(() => _server.Requests.Count(r => r.Contains("watch=1", StringComparison.Ordinal)) >= 4, "watch retries");
        _server.RejectWatchesWith = null;
        await AssertConvergedAsync(informer, handler);
        Assert.Equal(1, informer.ListCount);
    }

    [Fact]
    public async Task IdleWatch_IsReopened()
    {
        var (informer, handler) = Start(new InformerOptions
        {
            IdleTimeout = TimeSpan.FromMilliseconds(300),
            MinWatchTimeout = Fast.MinWatchTimeout,
            InitialBackoff = Fast.InitialBackoff,
            MaxBackoff = Fast.MaxBackoff,
            MinHealthyWatch = TimeSpan.Zero,
        });
        await informer.WaitForSyncAsync(_stop.Token);
        await WaitUntil(() => informer.WatchCount >= 3, "the idle watch to be replaced");
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        await AssertConvergedAsync(informer, handler);
        Assert.Equal(1, informer.ListCount);
    }

    [Fact]
    public async Task Indexer_FindsObjectsByIndexedValue()
    {
        var informer = new Informer<Service>(_client, Resources.Services, Fast);
        informer.Cache.AddIndexer("class", s => s.Spec?.LoadBalancerClass is { } c ? [c] : []);
        informer.Cache.AddIndexer("namespace", s => [s.Metadata.Namespace ?? ""]);
        var withClass = FakeApi.Service("shop", "a");
        withClass["spec"]!["loadBalancerClass"] = "edgelb.io/lb";
        _server.Put(FakeApi.Services, "shop", withClass);
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "b"));
        _server.Put(FakeApi.Services, "web", FakeApi.Service("web", "c"));
        _run = informer.RunAsync(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);

        Assert.Equal("a", Assert.Single(informer.Cache.ByIndex("class", "edgelb.io/lb")).Metadata.Name);
        Assert.Equal(2, informer.Cache.ByIndex("namespace", "shop").Count);

        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        await WaitUntil(() => informer.Cache.ByIndex("class", "edgelb.io/lb").Count == 0, "the index to drop a");
        Assert.NotNull(informer.Cache.Get("shop", "a"));
        Assert.Throws<InvalidOperationException>(() => informer.AddHandler(new RecordingHandler<Service>()));
    }

    [Fact]
    public async Task HandlerThatThrows_DoesNotStopOthers()
    {
        var informer = new Informer<Service>(_client, Resources.Services, Fast);
        informer.AddHandler(new InformerHandler<Service>(onAdd: _ => throw new InvalidOperationException("boom")));
        var handler = new RecordingHandler<Service>();
        informer.AddHandler(handler);
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "a"));
        _run = informer.RunAsync(_stop.Token);
        await AssertConvergedAsync(informer, handler);
    }

    [Fact]
    public async Task ClusterScopedResource_IsKeyedByName()
    {
        _server.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1", ["labels"] = new JsonObject { ["edge"] = "true" } } });
        var informer = new Informer<Node>(_client, Resources.Nodes, Fast);
        var handler = new RecordingHandler<Node>();
        informer.AddHandler(handler);
        _run = informer.RunAsync(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);
        Assert.Equal("true", informer.Cache.Get("n1")!.Metadata.Labels!["edge"]);
        _server.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n2" } });
        _server.Remove("v1/nodes", null, "n1");
        await WaitUntil(() => informer.Cache.Keys().SequenceEqual(["n2"], StringComparer.Ordinal), "n2 only");
        await WaitUntil(() => handler.Log.Count == 3, "three notifications");
        Assert.Equal(["add n1", "add n2", "delete n1"], handler.Log.Select(l => $"{l.Kind} {l.Key}").ToArray());
        Assert.Empty(handler.Violations);
    }

    [Fact]
    public void ServiceModel_ReadsStatusAndSpecFields()
    {
        var json = """{"metadata":{"name":"a"},"spec":{"type":"LoadBalancer","healthCheckNodePort":31000,"externalTrafficPolicy":"Local","selector":{"app":"web"},"ports":[{"port":53,"protocol":"UDP","nodePort":30053,"targetPort":53}]},"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.10","ipMode":"VIP","ports":[{"port":53,"protocol":"UDP"}]}]},"conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"r","message":"m"}]}}""";
        var svc = System.Text.Json.JsonSerializer.Deserialize(json, Resources.Services.TypeInfo)!;
        Assert.Equal(31000, svc.Spec!.HealthCheckNodePort);
        Assert.Equal(53, svc.Spec.Ports![0].TargetPort!.Value.IntValue);
        Assert.Equal("VIP", svc.Status!.LoadBalancer!.Ingress![0].IpMode);
        Assert.Equal("UDP", svc.Status.LoadBalancer.Ingress[0].Ports![0].Protocol);
        Assert.Equal("web", svc.Spec.Selector!["app"]);
        _ = JsonNode.Parse(json);
    }
}
