using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>
/// The writer reads Services from a cache it is handed, as the controller hands it the informer's:
/// here the test decides what the cache holds, so stale copies can be shown on purpose.
/// </summary>
public sealed class AnnouncementWriterTests : IAsyncLifetime
{
    private const string Key = "default/web";
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualTimeProvider _clock = new(Start);
    private readonly ConcurrentDictionary<string, Service> _cache = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _leading = new();
    private ControllerFixture _fixture = null!;
    private EventRecorder _events = null!;
    private AnnouncementWriter _writer = null!;
    private Task _run = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _fixture = await ControllerFixture.StartAsync();
        _events = new EventRecorder(_fixture.Client, new EventRecorderOptions { Component = "edgelb-controller" });
        _writer = new AnnouncementWriter(_fixture.Client, key => _cache.GetValueOrDefault(key), _events, _clock, NullLogger.Instance);
        _run = _writer.RunAsync(_leading.Token);
    }

    public async Task DisposeAsync()
    {
        await _leading.CancelAsync();
        await _run;
        _leading.Dispose();
        _events.Dispose();
        await _fixture.DisposeAsync();
    }

    [Fact]
    public async Task TransitionTime_ChangesWithStatus_NotWithMessage()
    {
        await CacheAsync(await _fixture.CreateServiceAsync("web"));
        _writer.Announced(Group(), null, "no speaker is connected");
        var first = await ConditionEventuallyAsync(c => c.Message == "no speaker is connected");
        Assert.Equal(("False", "NoEligibleNode", Start), (first.Status, first.Reason, first.LastTransitionTime));

        await CacheAsync();
        _clock.Advance(TimeSpan.FromMinutes(1));
        _writer.Announced(Group(), null, "every node is excluded");
        var second = await ConditionEventuallyAsync(c => c.Message == "every node is excluded");
        Assert.Equal(Start, second.LastTransitionTime);

        await CacheAsync();
        _clock.Advance(TimeSpan.FromMinutes(1));
        _writer.Announced(Group(), new AnnouncingAnnotation("node-1", "eth0", 3), "announced");
        var third = await ConditionEventuallyAsync(c => c.Status == "True");
        Assert.Equal(("AnnouncingFrom", "node node-1, interface eth0, epoch 3", Start.AddMinutes(2)), (third.Reason, third.Message, third.LastTransitionTime));
        Assert.Equal("node-1,eth0,3", (await _fixture.GetServiceAsync("web")).Metadata.Annotations?[ServiceAnnotations.AnnouncingNode]);
    }

    [Fact]
    public async Task StaleCachedCopy_IsReadAfresh_AndOtherConditionsStay()
    {
        var stale = await _fixture.CreateServiceAsync("web");
        var other = new JsonObject { ["type"] = "example.com/Other", ["status"] = "True", ["reason"] = "Set", ["message"] = "by someone else", ["lastTransitionTime"] = "2026-02-01T00:00:00Z" };
        var patch = new JsonObject { ["status"] = new JsonObject { ["conditions"] = new JsonArray(other) } };
        await _fixture.Client.PatchWithoutResultAsync(Resources.Services, "default", "web", PatchType.Merge, patch, subresource: "status");
        await CacheAsync(stale);

        _writer.Announced(Group(), null, "no speaker is connected");
        await ConditionEventuallyAsync(c => c.Reason == "NoEligibleNode");
        var conditions = (await _fixture.GetServiceAsync("web")).Status!.Conditions!;
        Assert.Contains(conditions, c => c is { Type: "example.com/Other", Message: "by someone else" });
        Assert.Equal(2, conditions.Count);
    }

    [Fact]
    public async Task SkippedOnStaleCopy_IsWrittenOnceTheCacheShowsOtherwise()
    {
        await CacheAsync(await _fixture.CreateServiceAsync("web"));
        _writer.Announced(Group(), null, "no speaker is connected");
        await ConditionEventuallyAsync(c => c.Reason == "NoEligibleNode");
        var shown = await CacheAsync();

        // Somebody overwrites the condition; the cache has not seen it yet, so the writer has nothing to do.
        var patch = new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = AnnouncementWriter.ConditionType, ["status"] = "Unknown", ["reason"] = "Edited", ["message"] = "by hand", ["lastTransitionTime"] = "2026-02-01T00:00:00Z" }),
            },
        };
        await _fixture.Client.PatchWithoutResultAsync(Resources.Services, "default", "web", PatchType.Merge, patch, subresource: "status");
        _writer.Announced(Group(), null, "no speaker is connected");
        await HandledAsync();
        Assert.Equal("Edited", (await ConditionAsync())?.Reason);

        // The cache catches up: the update shows something else than wanted, so it is written again.
        var edited = await CacheAsync();
        _writer.ServiceUpdated(shown, edited);
        var restored = await ConditionEventuallyAsync(c => c.Reason == "NoEligibleNode");
        Assert.Equal(Start, restored.LastTransitionTime);
    }

    private static VipGroup Group() =>
        new("198.18.0.10", [IPValue.Parse("198.18.0.10")], new Dictionary<IPValue, string?>(), [Key], [], [], null);

    /// <summary>Puts <paramref name="service"/> in the cache, or the server's current copy when none is given.</summary>
    private async Task<Service> CacheAsync(Service? service = null)
    {
        service ??= await _fixture.GetServiceAsync("web");
        _cache[Key] = service;
        return service;
    }

    private async Task<Condition?> ConditionAsync() =>
        (await _fixture.GetServiceAsync("web")).Status?.Conditions?.FirstOrDefault(c => c.Type == AnnouncementWriter.ConditionType);

    private async Task<Condition> ConditionEventuallyAsync(Func<Condition, bool> wanted)
    {
        Condition? condition = null;
        await Eventually.TrueAsync(async () => (condition = await ConditionAsync()) is { } c && wanted(c), "the condition shows");
        return condition!;
    }

    /// <summary>
    /// Returns once what was asked of the writer so far is done. A Service's warnings are recorded
    /// before its writes, and one Service is handled by one worker at a time: when a second warning
    /// shows, the round that recorded the first has finished.
    /// </summary>
    private async Task HandledAsync()
    {
        foreach (var probe in new[] { "first", "second" })
        {
            _writer.Warn(Group(), "Probe", probe);
            await Eventually.TrueAsync(async () => (await _fixture.EventsForAsync("web")).Any(e => e.Message == probe), $"the {probe} probe Event is recorded");
        }
    }
}
