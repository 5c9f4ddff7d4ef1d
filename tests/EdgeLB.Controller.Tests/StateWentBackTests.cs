using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Controller.Tests;

/// <summary>
/// The API server is replaced under a running controller by a fresh one on the same address, whose
/// resourceVersions start far below those the controller saw: the controller notices, forgets the
/// Services that no longer exist and serves the new ones, without being restarted.
/// </summary>
public class StateWentBackTests
{
    [Fact]
    public async Task FreshApiServerOnTheSameAddress_NewServiceGetsItsIp_AndVanishedServicesGetNoEvents()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.199");
        await lab.StartControllerAsync();
        const int OldServices = 30;
        for (var i = 0; i < OldServices; i++)
        {
            await lab.CreateServiceAsync($"old-{i}");
        }

        for (var i = 0; i < OldServices; i++)
        {
            await lab.WaitForIpAsync($"old-{i}");
        }

        var oldResourceVersion = lab.Server.ResourceVersion;

        await lab.ReplaceServerAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.199");
        Assert.True(lab.Server.ResourceVersion < oldResourceVersion / 2, $"the new server counts from {lab.Server.ResourceVersion}, the old one reached {oldResourceVersion}");
        await lab.CreateServiceAsync("new");

        await Eventually.TrueAsync(
            async () => ControllerFixture.IngressIp(await lab.GetServiceAsync("new")) is not null,
            "the new Service gets an IP from the controller that watched the old server",
            within: TimeSpan.FromSeconds(5));

        // Nothing is written about the Services only the old server had: not an Event, and no object.
        await Task.Delay(TimeSpan.FromSeconds(1));
        var events = await lab.Client.ListAsync(Resources.Events, null);
        Assert.DoesNotContain(events.Items, e => e.InvolvedObject?.Name?.StartsWith("old-", StringComparison.Ordinal) == true);
        var services = await lab.Client.ListAsync(Resources.Services, null);
        Assert.DoesNotContain(services.Items, s => s.Metadata.Name!.StartsWith("old-", StringComparison.Ordinal));
    }
}
