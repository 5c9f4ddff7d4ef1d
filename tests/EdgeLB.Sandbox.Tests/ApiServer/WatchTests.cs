using System.Net;
using System.Text.Json.Nodes;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class WatchTests : ServerFixture
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    protected override void Configure(InMemoryApiServerOptions options)
    {
        options.BookmarkInterval = TimeSpan.FromMilliseconds(200);
        options.HistoryLimit = 50;
    }

    [Fact]
    public async Task ResourceVersion_IncreasesWithEveryWriteAcrossKinds()
    {
        var rvs = new List<long>
        {
            ApiTestClient.Rv(await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"))),
            ApiTestClient.Rv(await Client.CreateAsync("/api/v1/namespaces/default/services", ApiTestClient.Service("s"))),
            ApiTestClient.Rv(await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"data":{"k":"2"}}""")!)),
            ApiTestClient.Rv(await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("b"))),
            ApiTestClient.Rv(await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{ConfigMaps}/b")),
        };
        for (var i = 1; i < rvs.Count; i++)
        {
            Assert.True(rvs[i] > rvs[i - 1], $"resourceVersions not increasing: {string.Join(",", rvs)}");
        }

        var list = await Client.GetAsync(ConfigMaps);
        Assert.Equal(rvs[^1], long.Parse(list["metadata"]!["resourceVersion"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Watch_FromListResourceVersion_DeliversLaterChangesInOrder()
    {
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("before"));
        var list = await Client.GetAsync(ConfigMaps);
        var listRv = list["metadata"]!["resourceVersion"]!.GetValue<string>();
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("x"));
        await Client.MergePatchAsync($"{ConfigMaps}/x", JsonNode.Parse("""{"data":{"k":"2"}}""")!);
        await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{ConfigMaps}/x");

        // Opened after the changes: they are replayed from history, not lost.
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={listRv}");
        var types = new List<string>();
        long last = 0;
        for (var i = 0; i < 3; i++)
        {
            var e = await watch.NextChangeAsync();
            types.Add(e!["type"]!.GetValue<string>());
            Assert.Equal("x", e["object"]!["metadata"]!["name"]!.GetValue<string>());
            var rv = ApiTestClient.Rv(e["object"]);
            Assert.True(rv > last);
            last = rv;
        }

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], types);

        // And changes after the watch opened arrive live.
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("live"));
        var live = await watch.NextChangeAsync();
        Assert.Equal("ADDED", live!["type"]!.GetValue<string>());
        Assert.Equal("live", live["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_WithoutResourceVersion_StartsWithSyntheticAdds()
    {
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("one"));
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("two"));
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=1");
        var names = new[] { await watch.NextChangeAsync(), await watch.NextChangeAsync() }
            .Select(e => (e!["type"]!.GetValue<string>(), e["object"]!["metadata"]!["name"]!.GetValue<string>())).ToList();
        Assert.Equal([("ADDED", "one"), ("ADDED", "two")], names);
    }

    [Fact]
    public async Task Watch_Bookmarks_CarryProgressWithoutEvents()
    {
        var listRv = (await Client.GetAsync(ConfigMaps))["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&allowWatchBookmarks=true&resourceVersion={listRv}");
        // A write to another kind moves the global resourceVersion; the configmap watch learns it from a bookmark.
        var other = await Client.CreateAsync("/api/v1/namespaces/default/services", ApiTestClient.Service("elsewhere"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        JsonObject? bookmark = null;
        while (DateTime.UtcNow < deadline)
        {
            var e = await watch.NextAsync();
            Assert.NotNull(e);
            Assert.Equal("BOOKMARK", e["type"]!.GetValue<string>());
            if (ApiTestClient.Rv(e["object"]) >= ApiTestClient.Rv(other))
            {
                bookmark = e;
                break;
            }
        }

        Assert.NotNull(bookmark);
        Assert.Equal("ConfigMap", bookmark["object"]!["kind"]!.GetValue<string>());
        Assert.Null(bookmark["object"]!["data"]);
    }

    [Fact]
    public async Task Watch_FromCompactedResourceVersion_GetsExpiredErrorEvent()
    {
        var old = ApiTestClient.Rv(await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a")));
        await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"data":{"k":"2"}}""")!);
        Server.Faults.CompactHistory();

        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={old}");
        var e = await watch.NextAsync();
        Assert.Equal("ERROR", e!["type"]!.GetValue<string>());
        Assert.Equal("Status", e["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(410, e["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", e["object"]!["reason"]!.GetValue<string>());
        Assert.Null(await watch.NextAsync());

        // The current resourceVersion still works after compaction.
        using var fresh = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={Server.ResourceVersion}");
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("b"));
        Assert.Equal("ADDED", (await fresh.NextChangeAsync())!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task History_BeyondItsLimit_IsCompactedAutomatically()
    {
        var start = ApiTestClient.Rv(await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a")));
        for (var i = 0; i < 60; i++)
        {
            await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse($$$"""{"data":{"k":"{{{i}}}"}}""")!);
        }

        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={start}");
        Assert.Equal(410, (await watch.NextAsync())!["object"]!["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Watch_LabelSelector_TurnsEnteringAndLeavingIntoAddedAndDeleted()
    {
        var rv = (await Client.GetAsync(ConfigMaps))["metadata"]!["resourceVersion"]!.GetValue<string>();
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={rv}&labelSelector=tier%3Dfront");
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("c"));
        await Client.MergePatchAsync($"{ConfigMaps}/c", JsonNode.Parse("""{"metadata":{"labels":{"tier":"front"}}}""")!);
        await Client.MergePatchAsync($"{ConfigMaps}/c", JsonNode.Parse("""{"data":{"k":"9"}}""")!);
        await Client.MergePatchAsync($"{ConfigMaps}/c", JsonNode.Parse("""{"metadata":{"labels":{"tier":"back"}}}""")!);
        var types = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            types.Add((await watch.NextChangeAsync())!["type"]!.GetValue<string>());
        }

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], types);
    }

    [Fact]
    public async Task Watch_TimeoutSeconds_EndsTheStreamCleanly()
    {
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&timeoutSeconds=1&resourceVersion={Server.ResourceVersion}");
        Assert.Null(await watch.NextAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Watch_SendInitialEvents_EndsInitialStateWithAnnotatedBookmark()
    {
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true");
        Assert.Equal("ADDED", (await watch.NextAsync())!["type"]!.GetValue<string>());
        var bookmark = await watch.NextAsync();
        Assert.Equal("BOOKMARK", bookmark!["type"]!.GetValue<string>());
        Assert.Equal("true", bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }
}
