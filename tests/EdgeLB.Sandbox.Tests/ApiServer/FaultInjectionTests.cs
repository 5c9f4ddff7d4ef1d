using System.Diagnostics;
using System.Net;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class FaultInjectionTests : ServerFixture
{
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task FailNext_429_SendsRetryAfter_ThenRecovers()
    {
        Server.Faults.FailNext(2, 429, TimeSpan.FromSeconds(3));
        for (var i = 0; i < 2; i++)
        {
            var (code, body, response) = await Client.SendAsync(HttpMethod.Get, ConfigMaps);
            Assert.Equal(HttpStatusCode.TooManyRequests, code);
            Assert.Equal("TooManyRequests", body["reason"]!.GetValue<string>());
            Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter!.Delta);
        }

        Assert.Equal(0, Server.Faults.PendingFailures);
        await Client.GetAsync(ConfigMaps);
    }

    [Fact]
    public async Task FailNext_5xx_WithFilter_HitsOnlyMatchingRequests()
    {
        Server.Faults.FailNext(1, 503, filter: (method, path) => method == "POST" && path.EndsWith("/configmaps", StringComparison.Ordinal));
        await Client.GetAsync(ConfigMaps);
        var (code, body, _) = await Client.SendAsync(HttpMethod.Post, ConfigMaps, ApiTestClient.ConfigMap("a"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, code);
        Assert.Equal(503, body["code"]!.GetValue<int>());
        await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
    }

    [Fact]
    public async Task ResponseDelay_SlowsRequests()
    {
        Server.Faults.ResponseDelay = TimeSpan.FromMilliseconds(300);
        var sw = Stopwatch.StartNew();
        await Client.GetAsync(ConfigMaps);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(280), $"took only {sw.Elapsed}");
        Server.Faults.Reset();
        sw.Restart();
        await Client.GetAsync(ConfigMaps);
        Assert.True(sw.Elapsed < TimeSpan.FromMilliseconds(280), $"still slow: {sw.Elapsed}");
    }

    [Fact]
    public async Task DropWatches_EndsEveryOpenStream()
    {
        using var first = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={Server.ResourceVersion}");
        using var second = await Client.WatchAsync($"/api/v1/services?watch=true&resourceVersion={Server.ResourceVersion}");
        await WaitForAsync(() => Server.OpenWatches == 2);
        Assert.Equal(2, Server.Faults.DropWatches());
        Assert.Null(await first.NextAsync());
        Assert.Null(await second.NextAsync());
        await WaitForAsync(() => Server.OpenWatches == 0);
    }

    [Fact]
    public async Task DropWatches_Abort_ResetsTheConnection()
    {
        using var watch = await Client.WatchAsync($"{ConfigMaps}?watch=true&resourceVersion={Server.ResourceVersion}");
        await WaitForAsync(() => Server.OpenWatches == 1);
        Server.Faults.DropWatches(abort: true);
        Assert.Null(await watch.NextAsync());
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(20);
        }
    }
}
