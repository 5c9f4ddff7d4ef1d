using System.Text.Json.Nodes;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Controller.Tests;

/// <summary>Services waiting for an address: who is woken by what, and what their Events may say.</summary>
public sealed class PendingServicesTests
{
    [Fact]
    public async Task UnrelatedChanges_WakeNoWaitingService_AndAFreedAddressGoesToTheLongestWaiting()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("full", "198.18.0.100");
        await lab.CreatePoolAsync("other", "198.18.1.0/28");
        await lab.StartControllerAsync();
        var full = new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = "full" };
        var other = new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = "other" };
        await lab.CreateServiceAsync("holder", annotations: full);
        await lab.WaitForIpAsync("holder");
        for (var i = 0; i < 5; i++)
        {
            await lab.CreateServiceAsync($"waiting-{i}", annotations: full);
            await Eventually.TrueAsync(async () => (await lab.EventsForAsync($"waiting-{i}")).Any(e => e.Reason == AllocationReasons.PoolExhausted), $"waiting-{i} is refused");
        }

        var before = await EventCountsAsync(lab);

        // Another namespace, another pool: Services come, flip type and go.
        for (var i = 0; i < 4; i++)
        {
            await lab.CreateServiceAsync($"app-{i}", ns: "elsewhere", annotations: other);
            await lab.WaitForIpAsync($"app-{i}", "elsewhere");
            await lab.Client.PatchAsync(Resources.Services, "elsewhere", $"app-{i}", PatchType.Merge, JsonNode.Parse("""{"spec":{"type":"ClusterIP"}}""")!);
            await lab.Client.DeleteAsync(Resources.Services, "elsewhere", $"app-{i}");
        }

        await Task.Delay(500);
        Assert.Equal(before, await EventCountsAsync(lab));

        // The freed address goes to the Service that waited longest, and the others are not tried in vain.
        await lab.Client.DeleteAsync(Resources.Services, "default", "holder");
        Assert.Equal("198.18.0.100", await lab.WaitForIpAsync("waiting-0"));
        await Task.Delay(500);
        var after = await EventCountsAsync(lab);
        for (var i = 1; i < 5; i++)
        {
            Assert.Equal(before[$"waiting-{i}"], after[$"waiting-{i}"]);
            Assert.Null(ControllerFixture.IngressIp(await lab.GetServiceAsync($"waiting-{i}")));
        }
    }

    [Fact]
    public async Task ARequestedAddressHeldInAnotherNamespace_IsNotNamed_AndIsServedWhenFreed()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.110");
        await lab.StartControllerAsync();
        var wants = new Dictionary<string, string> { [ServiceAnnotations.LoadBalancerIPs] = "198.18.0.105" };
        await lab.CreateServiceAsync("secret-db", ns: "tenant-a", annotations: wants);
        await lab.WaitForIpAsync("secret-db", "tenant-a");
        await lab.CreateServiceAsync("web", ns: "tenant-b", annotations: wants);

        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("web", "tenant-b")).Any(e => e.Reason == AllocationReasons.RequestedIPInUse), "RequestedIPInUse event");
        var refusal = (await lab.EventsForAsync("web", "tenant-b")).Single(e => e.Reason == AllocationReasons.RequestedIPInUse);
        Assert.Equal("198.18.0.105 is held by another Service", refusal.Message);

        await lab.Client.DeleteAsync(Resources.Services, "tenant-a", "secret-db");
        Assert.Equal("198.18.0.105", await lab.WaitForIpAsync("web", "tenant-b"));
    }

    [Fact]
    public async Task AnnotationValues_ReachEventsCutAndEscaped()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.110");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("huge", annotations: new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = new string('x', 60_000) });
        await lab.CreateServiceAsync("raw", annotations: new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = "lan\u001B[2J\u0000\u202Etxt" });

        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("huge")).Any(e => e.Reason == AllocationReasons.UnknownPool), "huge is refused");
        var huge = (await lab.EventsForAsync("huge")).Single(e => e.Reason == AllocationReasons.UnknownPool).Message!;
        Assert.True(huge.Length < 400, $"{huge.Length} characters");
        Assert.Contains("… (60000 characters)", huge, StringComparison.Ordinal);

        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("raw")).Any(e => e.Reason == AllocationReasons.UnknownPool), "raw is refused");
        var raw = (await lab.EventsForAsync("raw")).Single(e => e.Reason == AllocationReasons.UnknownPool).Message!;
        Assert.Equal("pool \"lan\\u001B[2J\\u0000\\u202Etxt\" does not exist", raw);
    }

    private static async Task<Dictionary<string, int>> EventCountsAsync(ControllerFixture lab)
    {
        var list = await lab.Client.ListAsync(Resources.Events, "default");
        return list.Items
            .Where(e => e.Reason == AllocationReasons.PoolExhausted)
            .ToDictionary(e => e.InvolvedObject!.Name!, e => e.Count ?? 0, StringComparer.Ordinal);
    }
}
