using System.Net;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class ListTests : ServerFixture
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task Pagination_ReturnsAConsistentSnapshotAcrossPages()
    {
        for (var i = 0; i < 7; i++)
        {
            await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap($"cm{i}"));
        }

        var page1 = await Client.GetAsync($"{ConfigMaps}?limit=3");
        Assert.Equal(["cm0", "cm1", "cm2"], Names(page1));
        Assert.Equal(4, page1["metadata"]!["remainingItemCount"]!.GetValue<int>());
        var token = page1["metadata"]!["continue"]!.GetValue<string>();

        // Changes between pages do not show: the pages come from the first page's snapshot.
        await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{ConfigMaps}/cm4");
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("cm35"));
        await Client.MergePatchAsync($"{ConfigMaps}/cm5", JsonNode.Parse("""{"data":{"k":"changed"}}""")!);

        var page2 = await Client.GetAsync($"{ConfigMaps}?limit=3&continue={Uri.EscapeDataString(token)}");
        Assert.Equal(["cm3", "cm4", "cm5"], Names(page2));
        Assert.Equal("1", page2["items"]![2]!["data"]!["k"]!.GetValue<string>());
        Assert.Equal(page1["metadata"]!["resourceVersion"]!.GetValue<string>(), page2["metadata"]!["resourceVersion"]!.GetValue<string>());
        var page3 = await Client.GetAsync($"{ConfigMaps}?limit=3&continue={Uri.EscapeDataString(page2["metadata"]!["continue"]!.GetValue<string>())}");
        Assert.Equal(["cm6"], Names(page3));
        Assert.Null(page3["metadata"]!["continue"]);
    }

    [Fact]
    public async Task Continue_AfterCompaction_Is410Expired()
    {
        for (var i = 0; i < 3; i++)
        {
            await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap($"cm{i}"));
        }

        var page1 = await Client.GetAsync($"{ConfigMaps}?limit=1");
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("later"));
        Server.Faults.CompactHistory();
        var (code, body, _) = await Client.SendAsync(HttpMethod.Get, $"{ConfigMaps}?limit=1&continue={Uri.EscapeDataString(page1["metadata"]!["continue"]!.GetValue<string>())}");
        Assert.Equal(HttpStatusCode.Gone, code);
        Assert.Equal("Expired", body["reason"]!.GetValue<string>());
        Assert.Equal(410, body["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Selectors_FilterByLabelsAndFields()
    {
        foreach (var (name, tier) in new[] { ("a", "front"), ("b", "back"), ("c", "front") })
        {
            var cm = ApiTestClient.ConfigMap(name);
            cm["metadata"]!["labels"] = new JsonObject { ["tier"] = tier };
            await Client.CreateAsync(ConfigMaps, cm);
        }

        Assert.Equal(["a", "c"], Names(await Client.GetAsync($"{ConfigMaps}?labelSelector=tier%3Dfront")));
        Assert.Equal(["b"], Names(await Client.GetAsync($"{ConfigMaps}?labelSelector=tier%20notin%20(front)")));
        Assert.Equal(["a", "b"], Names(await Client.GetAsync($"{ConfigMaps}?labelSelector=tier%20in%20(front,back),tier!%3Dx&fieldSelector=metadata.name!%3Dc")));
        Assert.Equal(["c"], Names(await Client.GetAsync($"/api/v1/configmaps?fieldSelector=metadata.name%3Dc,metadata.namespace%3Ddefault")));
        Assert.Empty(Names(await Client.GetAsync($"{ConfigMaps}?labelSelector=!tier")));

        var (code, body, _) = await Client.SendAsync(HttpMethod.Get, $"{ConfigMaps}?fieldSelector=spec.nonsense%3D1");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("field label not supported", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_DescribesResourcesWithShortNamesAndStatus()
    {
        var core = await Client.GetAsync("/api/v1");
        var services = core["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "services")!;
        Assert.Equal("svc", services["shortNames"]![0]!.GetValue<string>());
        Assert.True(services["namespaced"]!.GetValue<bool>());
        Assert.Contains(core["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "services/status");
        Assert.Contains(core["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "nodes" && !r["namespaced"]!.GetValue<bool>());

        var groups = await Client.GetAsync("/apis");
        Assert.Contains(groups["groups"]!.AsArray(), g => g!["name"]!.GetValue<string>() == "edgelb.io");
        var edgelb = await Client.GetAsync("/apis/edgelb.io/v1alpha1");
        Assert.Equal(["ipaddresspools", "ipaddresspools/status", "l2advertisements", "l2advertisements/status"],
            edgelb["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()), StringComparer.Ordinal);
        Assert.Equal("1", (await Client.GetAsync("/version"))["major"]!.GetValue<string>());
    }

    [Fact]
    public async Task AggregatedDiscovery_AnswersInOneDocumentWhenAsked()
    {
        const string Accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
        var (_, apis, response) = await Client.SendAsync(HttpMethod.Get, "/apis", accept: Accept);
        Assert.Equal("APIGroupDiscoveryList", apis["kind"]!.GetValue<string>());
        Assert.Contains("as=APIGroupDiscoveryList", response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        var edgelb = apis["items"]!.AsArray().Single(i => i!["metadata"]!["name"]?.GetValue<string>() == "edgelb.io")!;
        var pools = edgelb["versions"]![0]!["resources"]!.AsArray().Single(r => r!["resource"]!.GetValue<string>() == "ipaddresspools")!;
        Assert.Equal("Namespaced", pools["scope"]!.GetValue<string>());
        Assert.Equal("status", pools["subresources"]![0]!["subresource"]!.GetValue<string>());

        var (_, core, _) = await Client.SendAsync(HttpMethod.Get, "/api", accept: Accept);
        var services = core["items"]![0]!["versions"]![0]!["resources"]!.AsArray().Single(r => r!["resource"]!.GetValue<string>() == "services")!;
        Assert.Equal("svc", services["shortNames"]![0]!.GetValue<string>());

        // Without the media type, the classic documents.
        Assert.Equal("APIGroupList", (await Client.GetAsync("/apis"))["kind"]!.GetValue<string>());
    }

    private static List<string> Names(JsonObject list) =>
        list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).ToList();
}
