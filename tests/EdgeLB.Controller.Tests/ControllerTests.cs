using System.Text.Json.Nodes;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Controller.Tests;

public class ControllerTests
{
    [Fact]
    public async Task LoadBalancerService_GetsIngressIpWithProxyMode_PoolAnnotation_AndEvent()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.102");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("web");

        Assert.Equal("198.18.0.100", await lab.WaitForIpAsync("web"));
        var svc = await lab.GetServiceAsync("web");
        Assert.Equal("Proxy", svc.Status!.LoadBalancer!.Ingress![0].IpMode);
        await Eventually.TrueAsync(async () => (await lab.GetServiceAsync("web")).Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AllocatedFromPool) == "lan", "pool annotation");
        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("web")).Any(e => e.Reason == "IPAllocated" && e.Message!.Contains("198.18.0.100", StringComparison.Ordinal)), "IPAllocated event");
    }

    [Fact]
    public async Task IpModeVip_AndOtherClassesAndTypes_AreRespected()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.110");
        await lab.StartControllerAsync(configure: o => o.IpMode = "VIP");
        await lab.CreateServiceAsync("other-class", lbClass: "example.com/other");
        await lab.CreateServiceAsync("cluster-ip", type: "ClusterIP");
        await lab.CreateServiceAsync("ours", lbClass: "edgelb.io/edgelb");

        await lab.WaitForIpAsync("ours");
        Assert.Equal("VIP", (await lab.GetServiceAsync("ours")).Status!.LoadBalancer!.Ingress![0].IpMode);
        Assert.Null(ControllerFixture.IngressIp(await lab.GetServiceAsync("other-class")));
        Assert.Null(ControllerFixture.IngressIp(await lab.GetServiceAsync("cluster-ip")));
    }

    [Fact]
    public async Task EachRefusal_BecomesAWarningEvent_WithTheCoreReason()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.101");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("taken", annotations: new Dictionary<string, string> { [ServiceAnnotations.LoadBalancerIPs] = "198.18.0.101" });
        await lab.WaitForIpAsync("taken");
        var cases = new Dictionary<string, (string Key, string Value)>
        {
            ["unknown-pool"] = (ServiceAnnotations.AddressPool, "nope"),
            ["bad-ip"] = (ServiceAnnotations.LoadBalancerIPs, "198.18.0.999"),
            ["outside"] = (ServiceAnnotations.LoadBalancerIPs, "198.18.9.9"),
            ["in-use"] = (ServiceAnnotations.LoadBalancerIPs, "198.18.0.101"),
        };
        var expected = new Dictionary<string, string>
        {
            ["unknown-pool"] = AllocationReasons.UnknownPool,
            ["bad-ip"] = AllocationReasons.InvalidAnnotation,
            ["outside"] = AllocationReasons.RequestedIPNotInPool,
            ["in-use"] = AllocationReasons.RequestedIPInUse,
        };
        foreach (var (name, (key, value)) in cases)
        {
            await lab.CreateServiceAsync(name, annotations: new Dictionary<string, string> { [key] = value });
        }

        foreach (var (name, reason) in expected)
        {
            await Eventually.TrueAsync(async () => (await lab.EventsForAsync(name)).Any(e => e.Reason == reason && e.Type == "Warning"), $"{name} gets a {reason} event");
            Assert.Null(ControllerFixture.IngressIp(await lab.GetServiceAsync(name)));
        }
    }

    [Fact]
    public async Task ExhaustedPool_WarnsThenAssignsAsSoonAsAnAddressFrees()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("first");
        await lab.WaitForIpAsync("first");
        await lab.CreateServiceAsync("second");
        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("second")).Any(e => e.Reason == AllocationReasons.PoolExhausted), "PoolExhausted event");

        await lab.Client.DeleteAsync(Resources.Services, "default", "first");
        Assert.Equal("198.18.0.100", await lab.WaitForIpAsync("second"));
    }

    [Fact]
    public async Task ServiceChangingType_ReleasesItsIpAndClearsTheStatusWeWrote()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("web");
        await lab.WaitForIpAsync("web");

        await lab.Client.PatchAsync(Resources.Services, "default", "web", PatchType.Merge, JsonNode.Parse("""{"spec":{"type":"ClusterIP"}}""")!);
        await Eventually.TrueAsync(async () => ControllerFixture.IngressIp(await lab.GetServiceAsync("web")) is null, "status cleared");
        await Eventually.TrueAsync(async () => (await lab.GetServiceAsync("web")).Metadata.Annotations?.ContainsKey(ServiceAnnotations.AllocatedFromPool) != true, "annotation removed");
        await lab.CreateServiceAsync("next");
        Assert.Equal("198.18.0.100", await lab.WaitForIpAsync("next"));
    }

    [Fact]
    public async Task InvalidPoolEdit_KeepsRunningServices_AndShowsWhyInStatus()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.103");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("web");
        var ip = await lab.WaitForIpAsync("web");

        await lab.Client.PatchAsync(Resources.IPAddressPools, "edgelb-system", "lan", PatchType.Merge, JsonNode.Parse("""{"spec":{"addresses":["198.18.0.300"]}}""")!);
        await Eventually.TrueAsync(
            async () => (await lab.Client.GetAsync(Resources.IPAddressPools, "edgelb-system", "lan")).Status?.Conditions is [{ Status: "False" } c, ..]
                && c.Message!.Contains("spec.addresses[0]: \"198.18.0.300\" is not an IP address", StringComparison.Ordinal),
            "pool condition Valid=False");
        await lab.CreateServiceAsync("later");
        Assert.Equal("198.18.0.101", await lab.WaitForIpAsync("later"));
        Assert.Equal(ip, ControllerFixture.IngressIp(await lab.GetServiceAsync("web")));
        var status = (await lab.Client.GetAsync(Resources.IPAddressPools, "edgelb-system", "lan")).Status!;
        await Eventually.TrueAsync(async () => (await lab.Client.GetAsync(Resources.IPAddressPools, "edgelb-system", "lan")).Status?.AssignedIPv4 == 2, "usage in status");
        Assert.NotNull(status.Conditions);
    }

    [Fact]
    public async Task Restart_With1000Services_SomeChangedWhileDown_ChangesNoIp()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.0/20");
        var controller = await lab.StartControllerAsync();
        for (var i = 0; i < 1000; i++)
        {
            await lab.CreateServiceAsync($"s{i}");
        }

        await Eventually.TrueAsync(async () => (await lab.Client.ListAllAsync(Resources.Services, "default")).Items.All(s => ControllerFixture.IngressIp(s) is not null), "all 1000 have an IP", TimeSpan.FromSeconds(120));
        var before = (await lab.Client.ListAllAsync(Resources.Services, "default")).Items.ToDictionary(s => s.Metadata.Name!, ControllerFixture.IngressIp);
        await lab.StopControllerAsync(controller);

        for (var i = 0; i < 1000; i += 10)
        {
            await lab.Client.DeleteAsync(Resources.Services, "default", $"s{i}");
        }

        for (var i = 0; i < 20; i++)
        {
            await lab.CreateServiceAsync($"new{i}");
        }

        await lab.StartControllerAsync("controller-b");
        await Eventually.TrueAsync(async () => (await lab.Client.ListAllAsync(Resources.Services, "default")).Items.All(s => ControllerFixture.IngressIp(s) is not null), "new Services get IPs", TimeSpan.FromSeconds(60));
        var after = (await lab.Client.ListAllAsync(Resources.Services, "default")).Items.ToDictionary(s => s.Metadata.Name!, ControllerFixture.IngressIp);
        var survivors = before.Keys.Where(after.ContainsKey).ToList();
        Assert.Equal(900, survivors.Count);
        Assert.All(survivors, name => Assert.Equal(before[name], after[name]));
        var all = after.Values.ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public async Task LeaderFailover_BetweenTwoControllers_ChangesNoIp_AndOnlyTheLeaderIsReady()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.120");
        var a = await lab.StartControllerAsync("controller-a");
        var b = await lab.StartControllerAsync("controller-b", waitUntilLeading: false);
        await lab.CreateServiceAsync("web");
        var ip = await lab.WaitForIpAsync("web");
        Assert.False(b.IsLeader);

        // b was not waited for: its HTTP endpoint may still be starting when "web" has its IP.
        await Eventually.TrueAsync(() => Task.FromResult(b.HttpAddress is not null), "controller-b serves HTTP");
        using var http = new HttpClient();
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri(b.HttpAddress!, "/readyz"))).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri(a.HttpAddress!, "/readyz"))).StatusCode);

        await lab.StopControllerAsync(a);
        await Eventually.TrueAsync(() => Task.FromResult(b.IsReady), "b takes over");
        await lab.CreateServiceAsync("api");
        Assert.Equal("198.18.0.101", await lab.WaitForIpAsync("api"));
        Assert.Equal(ip, ControllerFixture.IngressIp(await lab.GetServiceAsync("web")));
    }

    [Fact]
    public async Task WatchDropsAndServerErrors_ChangeNothingInTheOutcome()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.0/24");
        await lab.StartControllerAsync();
        for (var i = 0; i < 20; i++)
        {
            await lab.CreateServiceAsync($"s{i}");
            if (i % 5 == 0)
            {
                lab.Server.Faults.DropWatches();
                lab.Server.Faults.FailNext(3, 503);
            }

            if (i % 7 == 0)
            {
                lab.Server.Faults.FailNext(2, 429, TimeSpan.FromMilliseconds(100));
            }
        }

        await Eventually.TrueAsync(async () => (await lab.Client.ListAllAsync(Resources.Services, "default")).Items.All(s => ControllerFixture.IngressIp(s) is not null), "all get IPs", TimeSpan.FromSeconds(60));
        var ips = (await lab.Client.ListAllAsync(Resources.Services, "default")).Items.Select(ControllerFixture.IngressIp).ToList();
        Assert.Equal(20, ips.Distinct().Count());
    }

    [Fact]
    public async Task Metrics_ShowPoolUsageAndLeadership()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.103");
        var controller = await lab.StartControllerAsync();
        await lab.CreateServiceAsync("web");
        await lab.WaitForIpAsync("web");
        using var http = new HttpClient();
        var text = string.Empty;

        // The reconcile that wrote the IP records its duration just after the write.
        await Eventually.TrueAsync(
            async () => (text = await http.GetStringAsync(new Uri(controller.HttpAddress!, "/metrics"))).Contains("edgelb_reconcile_duration_seconds_count", StringComparison.Ordinal),
            "the reconcile is measured");
        Assert.Contains("edgelb_pool_addresses{family=\"IPv4\",pool=\"lan\"} 4", text, StringComparison.Ordinal);
        Assert.Contains("edgelb_pool_addresses_in_use{family=\"IPv4\",pool=\"lan\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("edgelb_leader 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE edgelb_reconcile_duration_seconds histogram", text, StringComparison.Ordinal);
    }
}
