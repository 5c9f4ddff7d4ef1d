using System.Text.RegularExpressions;

namespace EdgeLB.Controller.Tests;

/// <summary>Informer relists (after the API server forgot the history a watch resumes from) are counted per resource at /metrics.</summary>
public partial class RelistMetricTests
{
    [GeneratedRegex("""edgelb_informer_relists_total\{resource="services"\} (?<n>\d+)""")]
    private static partial Regex ServicesRelists();

    private static async Task<long> ServicesRelistsAsync(HttpClient http, Uri address)
    {
        var text = await http.GetStringAsync(new Uri(address, "/metrics"));
        var match = ServicesRelists().Match(text);
        Assert.True(match.Success, "no services relist series in:\n" + text);
        return long.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task WatchesDroppedAfterHistoryWasCompacted_CountAsRelists_AndAllocationGoesOn()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.110");
        var controller = await lab.StartControllerAsync();
        using var http = new HttpClient();
        Assert.Equal(0, await ServicesRelistsAsync(http, controller.HttpAddress!));

        // The Service watch drops and its first resumption fails (the informer backs off for most of a
        // second); meanwhile a write it has not seen, and the history is compacted past it: resuming
        // then gets 410 Gone, and only a new list catches up.
        lab.Server.Faults.FailNext(1, 503, filter: (method, path) => method == "GET" && path == "/api/v1/services");
        lab.Server.Faults.DropWatches();
        await lab.CreateServiceAsync("before");
        lab.Server.Faults.CompactHistory();

        await Eventually.TrueAsync(async () => await ServicesRelistsAsync(http, controller.HttpAddress!) >= 1, "the services informer relisted");
        await lab.CreateServiceAsync("after");
        await lab.WaitForIpAsync("before");
        await lab.WaitForIpAsync("after");
    }
}
