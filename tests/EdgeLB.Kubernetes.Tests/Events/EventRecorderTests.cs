using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Testing;

namespace EdgeLB.Kubernetes.Tests.Events;

public sealed class EventRecorderTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private FakeApiServer _server = null!;
    private KubeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _client = FakeApi.Client(_server, time: _clock);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static Service Svc(string name) => new() { Metadata = new ObjectMeta { Name = name, Namespace = "shop", Uid = $"uid-{name}" } };

    private IDictionary<string, System.Text.Json.Nodes.JsonObject> Events() => _server.Snapshot("v1/events");

    private System.Text.Json.Nodes.JsonObject Single() => Assert.Single(Events()).Value;

    private int Patches() => _server.Requests.Count(r => r.StartsWith("PATCH /api/v1/namespaces/shop/events/", StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    [Fact]
    public async Task SameReasonAndMessage_IncrementsCount_InsteadOfNewEvents()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "edgelb-controller", Host = "node-1", SeriesInterval = TimeSpan.FromSeconds(20) }, time: _clock);
        Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "IPAllocated", "Assigned IP 198.18.0.100"));
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "IPAllocated", "Assigned IP 198.18.0.100"));
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "IPAllocated", "Assigned IP 198.18.0.100"));

        var stored = Assert.Single(Events()).Value;
        Assert.Equal(3, stored["count"]!.GetValue<int>());
        Assert.Equal("2026-03-01T12:00:00Z", stored["firstTimestamp"]!.GetValue<string>());
        Assert.Equal("2026-03-01T12:01:00Z", stored["lastTimestamp"]!.GetValue<string>());
        Assert.Equal("Service", stored["involvedObject"]!["kind"]!.GetValue<string>());
        Assert.Equal("edgelb-controller", stored["source"]!["component"]!.GetValue<string>());
        Assert.Equal(2, Patches());
    }

    [Fact]
    public async Task RepeatsWithinTheInterval_AreCounted_AndWrittenOnceWhenItEnds()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "c", SeriesInterval = TimeSpan.FromMinutes(1) }, time: _clock);
        for (var i = 0; i < 50; i++)
        {
            Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Warning, "PoolExhausted", "no free IPv4 address in pool lan"));
            _clock.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(1, Single()["count"]!.GetValue<int>());
        Assert.Equal(0, Patches());

        _clock.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => Single()["count"]!.GetValue<int>() == 50);
        Assert.Equal("2026-03-01T12:00:04Z", Single()["lastTimestamp"]!.GetValue<string>()[..19] + "Z");
        Assert.Equal(1, Patches());

        // Nothing new: the end of the next interval writes nothing.
        _clock.Advance(TimeSpan.FromMinutes(2));
        await Task.Delay(100);
        Assert.Equal(1, Patches());
    }

    [Fact]
    public async Task ANewMessage_UpdatesTheSeriesOfItsReasonAtOnce()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "c" }, time: _clock);
        await recorder.RecordAsync(Svc("web"), EventRecorder.Warning, "InvalidAnnotation", "first problem");
        await recorder.RecordAsync(Svc("web"), EventRecorder.Warning, "InvalidAnnotation", "second problem");
        var stored = Single();
        Assert.Equal("second problem", stored["message"]!.GetValue<string>());
        Assert.Equal(2, stored["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task DifferentReasonTypeOrObject_CreatesSeparateEvents()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "edgelb-controller" });
        await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "IPAllocated", "Assigned IP 198.18.0.100");
        await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "IPReleased", "Released IP 198.18.0.100");
        await recorder.RecordAsync(Svc("api"), EventRecorder.Normal, "IPAllocated", "Assigned IP 198.18.0.100");
        await recorder.RecordAsync(Svc("web"), EventRecorder.Warning, "IPAllocated", "Assigned IP 198.18.0.100");
        Assert.Equal(4, Events().Count);
    }

    [Fact]
    public async Task ManyEventsAboutOneObjectInOneMillisecond_AreAllCreated()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "c", CacheSize = 1000 }, time: _clock);
        for (var i = 0; i < 200; i++)
        {
            Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Warning, $"Reason{i}", "m"));
        }

        Assert.Equal(200, Events().Count); // the clock stands still: names must not collide
    }

    [Fact]
    public async Task CacheIsBounded_EvictedEntriesStartNewEvents()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "c", CacheSize = 2 });
        await recorder.RecordAsync(Svc("a"), EventRecorder.Normal, "R", "m");
        await recorder.RecordAsync(Svc("b"), EventRecorder.Normal, "R", "m");
        await recorder.RecordAsync(Svc("c"), EventRecorder.Normal, "R", "m");
        Assert.Equal(2, recorder.CachedCount);

        // "a" was evicted: recording it again creates a second Event instead of patching the first.
        await recorder.RecordAsync(Svc("a"), EventRecorder.Normal, "R", "m");
        Assert.Equal(4, Events().Count);
        Assert.Equal(2, recorder.CachedCount);
    }

    [Fact]
    public async Task ExpiredEvent_IsCreatedAgain()
    {
        using var recorder = new EventRecorder(_client, new EventRecorderOptions { Component = "c" });
        Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "R", "m"));
        var first = Assert.Single(Events()).Value["metadata"]!["name"]!.GetValue<string>();
        _server.Remove("v1/events", "shop", first);
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True(await recorder.RecordAsync(Svc("web"), EventRecorder.Normal, "R", "m"));
        var second = Assert.Single(Events()).Value;
        Assert.NotEqual(first, second["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(1, second["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task ApiFailure_IsLoggedNotThrown()
    {
        using var client = FakeApi.Client(_server, new KubeApiOptions { MaxRetryAttempts = 0 }, _clock);
        using var recorder = new EventRecorder(client, new EventRecorderOptions { Component = "c" });
        _server.FailNext(1, 403);
        Assert.False(await recorder.RecordAsync(Svc("web"), EventRecorder.Warning, "R", "m"));
        Assert.Empty(Events());
    }
}
