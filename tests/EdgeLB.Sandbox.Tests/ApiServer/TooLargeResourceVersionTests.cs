using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>
/// A list or watch from a resourceVersion the server has not reached (what a client sees after the
/// server's state went back) is answered as the real server answers it.
/// </summary>
public sealed class TooLargeResourceVersionTests : ServerFixture
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    protected override void Configure(InMemoryApiServerOptions options) =>
        options.TooLargeResourceVersionWait = TimeSpan.FromMilliseconds(300);

    private static void AssertTooLarge(JsonNode status, long wanted, long current)
    {
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal(504, status["code"]!.GetValue<int>());
        Assert.Equal("Timeout", status["reason"]!.GetValue<string>());
        Assert.Equal($"Timeout: Too large resource version: {wanted}, current: {current}", status["message"]!.GetValue<string>());
        var cause = Assert.Single(status["details"]!["causes"]!.AsArray())!;
        Assert.Equal("ResourceVersionTooLarge", cause["reason"]!.GetValue<string>());
        Assert.Equal("Too large resource version", cause["message"]!.GetValue<string>());
        Assert.Equal(1, status["details"]!["retryAfterSeconds"]!.GetValue<int>());
    }

    [Fact]
    public async Task List_FromAVersionNotReached_Is504TooLarge_ButAnyOrReachedVersionsList()
    {
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        var current = Server.ResourceVersion;
        var wanted = current + 40_000;

        var (code, body, response) = await Client.SendAsync(HttpMethod.Get, $"{ConfigMaps}?resourceVersion={wanted}");
        Assert.Equal(HttpStatusCode.GatewayTimeout, code);
        AssertTooLarge(body, wanted, current);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);

        var exact = await Client.SendAsync(HttpMethod.Get, $"{ConfigMaps}?resourceVersion={wanted}&resourceVersionMatch=Exact");
        Assert.Equal(HttpStatusCode.GatewayTimeout, exact.Code);

        foreach (var rv in new[] { "", "0", current.ToString(CultureInfo.InvariantCulture) })
        {
            var list = await Client.GetAsync($"{ConfigMaps}?resourceVersion={rv}");
            Assert.Single(list["items"]!.AsArray());
        }
    }

    [Fact]
    public async Task Watch_FromAVersionNotReached_GetsOneTooLargeErrorEvent()
    {
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        var current = Server.ResourceVersion;
        var wanted = current + 40_000;

        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&allowWatchBookmarks=true&resourceVersion={wanted}");
        var e = await watch.NextAsync();
        Assert.Equal("ERROR", e!["type"]!.GetValue<string>());
        AssertTooLarge(e["object"]!, wanted, current);
        Assert.Null(await watch.NextAsync());
    }

    [Fact]
    public async Task Watch_FromTheNextVersion_WaitsForIt()
    {
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        var next = Server.ResourceVersion + 1;
        var watching = Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={next}");

        // Written while the server waits for the version the watch asked for: no error, and the watch
        // delivers what comes after it.
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("b"));
        using var watch = await watching;
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("c"));
        var e = await watch.NextChangeAsync();
        Assert.Equal("ADDED", e!["type"]!.GetValue<string>());
        Assert.Equal("c", e["object"]!["metadata"]!["name"]!.GetValue<string>());
    }
}
