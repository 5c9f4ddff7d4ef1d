using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>What an informer relies on: no event lost or reordered under concurrent writers, and exact resumption after a drop.</summary>
public sealed class WatchConsistencyTests : ServerFixture
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task ConcurrentWriters_WatchSeesEveryChangeOnceInResourceVersionOrder()
    {
        var start = Server.ResourceVersion;
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={start}");
        const int Writers = 4;
        const int PerWriter = 30;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                var name = $"w{w}-{i / 2}";
                if (i % 2 == 0)
                {
                    await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap(name));
                }
                else
                {
                    await Client.MergePatchAsync($"{ConfigMaps}/{name}", JsonNode.Parse("""{"data":{"k":"2"}}""")!);
                }
            }
        })));

        var seen = new List<long>();
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        while (seen.Count < Writers * PerWriter)
        {
            var e = await watch.NextChangeAsync();
            Assert.NotNull(e);
            seen.Add(ApiTestClient.Rv(e["object"]));
            var type = e["type"]!.GetValue<string>();
            types[type] = types.GetValueOrDefault(type) + 1;
        }

        Assert.Equal(seen.Order().ToList(), seen);
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(Writers * PerWriter / 2, types["ADDED"]);
        Assert.Equal(Writers * PerWriter / 2, types["MODIFIED"]);
        Assert.Equal(start + (Writers * PerWriter), Server.ResourceVersion);
    }

    [Fact]
    public async Task DroppedWatch_ResumedFromLastSeenResourceVersion_MissesNothing()
    {
        using (var first = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={Server.ResourceVersion}"))
        {
            await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
            var lastSeen = ApiTestClient.Rv((await first.NextChangeAsync())!["object"]);
            Server.Faults.DropWatches();
            Assert.Null(await first.NextAsync());

            // Changes while nobody watches.
            await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("b"));
            await Client.ExpectAsync(System.Net.HttpStatusCode.OK, HttpMethod.Delete, $"{ConfigMaps}/a");

            using var resumed = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={lastSeen}");
            var added = await resumed.NextChangeAsync();
            var deleted = await resumed.NextChangeAsync();
            Assert.Equal(("ADDED", "b"), (added!["type"]!.GetValue<string>(), added["object"]!["metadata"]!["name"]!.GetValue<string>()));
            Assert.Equal(("DELETED", "a"), (deleted!["type"]!.GetValue<string>(), deleted["object"]!["metadata"]!["name"]!.GetValue<string>()));
            Assert.True(ApiTestClient.Rv(deleted["object"]) > ApiTestClient.Rv(added["object"]));
        }
    }
}
