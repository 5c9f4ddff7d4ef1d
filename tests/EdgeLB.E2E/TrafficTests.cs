namespace EdgeLB.E2E;

/// <summary>Traffic from the client host to the VIP through the speakers, with no fault.</summary>
[Collection(E2EGroup.Name)]
public sealed class TrafficTests(E2EFixture e2e)
{
    private static readonly TimeSpan TrafficTimeout = TimeSpan.FromSeconds(60);

    [DataPlaneFact]
    public Task IPv4VipCarriesTrafficToTheNodePorts() => ReachableAsync("web4", "");

    [DataPlaneFact]
    public Task IPv6VipCarriesTrafficToTheNodePorts() => ReachableAsync("web6", "  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv6]");

    [DataPlaneFact]
    public async Task SharedAddressCarriesBothServicesPorts()
    {
        await e2e.HealAsync();
        var (a, b) = (E2EFixture.Unique("sha"), E2EFixture.Unique("shb"));
        var ip = $"{e2e.Prefix4}.141";
        var annotations = $"edgelb.io/allow-shared-ip: e2e-traffic, edgelb.io/load-balancer-ips: \"{ip}\"";
        try
        {
            await e2e.CreateServedServiceAsync(a, [80], annotations: annotations);
            await e2e.CreateServedServiceAsync(b, [8080], annotations: annotations);
            Assert.NotNull(await e2e.WaitForTrafficAsync(E2EFixture.EndPoint(ip, 80), TrafficTimeout));
            Assert.NotNull(await e2e.WaitForTrafficAsync(E2EFixture.EndPoint(ip, 8080), TrafficTimeout));
        }
        finally
        {
            await e2e.DeleteServiceAsync(a);
            await e2e.DeleteServiceAsync(b);
        }
    }

    [DataPlaneFact]
    public async Task LocalTrafficPolicyAnnouncesAndServesOnlyFromNodesWithEndpoints()
    {
        await e2e.HealAsync();
        var name = E2EFixture.Unique("local");
        try
        {
            var ips = await e2e.CreateServedServiceAsync(name, [80], local: true, endpointNodes: ["node-2"]);
            var vip = E2EFixture.EndPoint(ips[0], 80);
            Assert.NotNull(await e2e.WaitForTrafficAsync(vip, TrafficTimeout));
            Assert.Equal("node-2", await e2e.WaitForAnnouncingNodeAsync(name, "node-2"));
            var results = await e2e.ProbeManyAsync(vip, 20);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
            Assert.All(results, r => Assert.Equal("node-2", r.Node));
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    [DataPlaneFact]
    public async Task NodeExcludedByLabelNeverAnnounces()
    {
        await e2e.HealAsync();
        var name = E2EFixture.Unique("excl");
        const string Label = "node.kubernetes.io/exclude-from-external-load-balancers";
        try
        {
            // Exclude all but node-3, so the choice is forced and the test cannot pass by luck.
            await e2e.Kubectl.RunAsync("label", "node", "node-1", "node-2", $"{Label}=true", "--overwrite");
            var ips = await e2e.CreateServedServiceAsync(name, [80]);
            var vip = E2EFixture.EndPoint(ips[0], 80);
            Assert.NotNull(await e2e.WaitForTrafficAsync(vip, TrafficTimeout));
            Assert.Equal("node-3", await e2e.WaitForAnnouncingNodeAsync(name, "node-3"));
            var results = await e2e.ProbeManyAsync(vip, 20);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
            Assert.All(results, r => Assert.Equal("node-3", e2e.ServedBy(r)));
        }
        finally
        {
            await e2e.Kubectl.TryRunAsync("label", "node", "node-1", "node-2", $"{Label}-");
            await e2e.DeleteServiceAsync(name);
        }
    }

    [DataPlaneFact]
    public async Task KilledNodePortGetsNoNewConnectionAfterOneCheckInterval()
    {
        await e2e.HealAsync();
        var lab = e2e.RequireLab;
        var name = E2EFixture.Unique("npkill");
        try
        {
            var ips = await e2e.CreateServedServiceAsync(name, [80]);
            var vip = E2EFixture.EndPoint(ips[0], 80);
            Assert.NotNull(await e2e.WaitForTrafficAsync(vip, TrafficTimeout));
            // Kill the NodePort of a node that does not announce the VIP, so only health checking can help.
            var holder = e2e.ServedBy((await e2e.WaitForTrafficAsync(vip, TrafficTimeout))!);
            var victim = lab.Nodes.First(n => n.Name != holder);
            var nodePort = await lab.NodePortAsync("default", name, 80);
            await victim.StopBackendAsync(nodePort);
            // One check interval (250 ms) times the fall count (2), with room for a loaded machine.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var results = await e2e.ProbeManyAsync(vip, 60);
            Assert.All(results, r => Assert.True(r.Succeeded, $"a new connection failed after the dead NodePort was detected: {r.Error}"));
            Assert.DoesNotContain(results, r => r.Node == victim.Name);
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    /// <summary>
    /// A Service created before its pods are ready: every NodePort refuses (kube-proxy rejects a
    /// Service without endpoints) while the VIP is first assigned, then the pods come up.
    /// </summary>
    [DataPlaneFact]
    public async Task BackendsReadyAfterTheVipWasAssignedGetTraffic()
    {
        await e2e.HealAsync();
        var lab = e2e.RequireLab;
        var name = E2EFixture.Unique("late");
        try
        {
            var ips = await e2e.CreateServiceAsync(name, [80]);
            var vip = E2EFixture.EndPoint(ips[0], 80);
            // Long enough for the holder's checks (every 250 ms, down after 2) to find every NodePort refusing.
            await Task.Delay(TimeSpan.FromSeconds(2));
            await lab.ServeAsync("default", name);
            Assert.NotNull(await e2e.WaitForTrafficAsync(vip, TrafficTimeout));
            var results = await e2e.ProbeManyAsync(vip, 20);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    private async Task ReachableAsync(string prefix, string extraSpec)
    {
        await e2e.HealAsync();
        var lab = e2e.RequireLab;
        var name = E2EFixture.Unique(prefix);
        try
        {
            var ips = await e2e.CreateServedServiceAsync(name, [80], extraSpec);
            var vip = E2EFixture.EndPoint(ips[0], 80);
            Assert.NotNull(await e2e.WaitForTrafficAsync(vip, TrafficTimeout));
            var results = await e2e.ProbeManyAsync(vip, 20);
            Assert.All(results, r => Assert.True(r.Succeeded, r.Error));
            Assert.All(results, r => Assert.Contains(r.Node, lab.Nodes.Select(n => n.Name)));
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }
}
