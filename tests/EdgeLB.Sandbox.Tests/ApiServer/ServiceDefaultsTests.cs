using System.Net;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class ServiceDefaultsTests : ServerFixture
{
    private const string Services = "/api/v1/namespaces/default/services";

    [Fact]
    public async Task LoadBalancer_GetsClusterIpFamiliesPoliciesAndNodePort()
    {
        var svc = await Client.CreateAsync(Services, ApiTestClient.Service("web"));
        var spec = svc["spec"]!;
        Assert.StartsWith("198.19.", spec["clusterIP"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(spec["clusterIP"]!.GetValue<string>(), spec["clusterIPs"]![0]!.GetValue<string>());
        Assert.Equal("IPv4", spec["ipFamilies"]![0]!.GetValue<string>());
        Assert.Equal("SingleStack", spec["ipFamilyPolicy"]!.GetValue<string>());
        Assert.Equal("Cluster", spec["externalTrafficPolicy"]!.GetValue<string>());
        Assert.Equal("Cluster", spec["internalTrafficPolicy"]!.GetValue<string>());
        Assert.Equal("None", spec["sessionAffinity"]!.GetValue<string>());
        Assert.True(spec["allocateLoadBalancerNodePorts"]!.GetValue<bool>());
        Assert.Equal("TCP", spec["ports"]![0]!["protocol"]!.GetValue<string>());
        Assert.InRange(spec["ports"]![0]!["nodePort"]!.GetValue<int>(), 30000, 32767);
        Assert.Null(spec["healthCheckNodePort"]);
        Assert.NotNull(svc["status"]!["loadBalancer"]);
    }

    [Fact]
    public async Task ClusterIp_HasNoNodePort_AndDualStackGetsBothFamilies()
    {
        var plain = await Client.CreateAsync(Services, ApiTestClient.Service("plain", type: "ClusterIP"));
        Assert.Null(plain["spec"]!["ports"]![0]!["nodePort"]);
        Assert.Null(plain["spec"]!["externalTrafficPolicy"]);

        var dual = ApiTestClient.Service("dual");
        dual["spec"]!["ipFamilyPolicy"] = "PreferDualStack";
        var created = await Client.CreateAsync(Services, dual);
        var ips = created["spec"]!["clusterIPs"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        Assert.Equal(2, ips.Count);
        Assert.StartsWith("198.19.", ips[0], StringComparison.Ordinal);
        Assert.StartsWith("2001:db8:", ips[1], StringComparison.Ordinal);
        Assert.Equal(["IPv4", "IPv6"], created["spec"]!["ipFamilies"]!.AsArray().Select(x => x!.GetValue<string>()), StringComparer.Ordinal);
    }

    [Fact]
    public async Task NodePorts_AreUniqueAcrossServices_AndClashesAreRejected()
    {
        var seen = new HashSet<int>();
        var clusterIps = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 40; i++)
        {
            var svc = await Client.CreateAsync(Services, ApiTestClient.Service($"s{i}", type: i % 2 == 0 ? "LoadBalancer" : "NodePort", externalTrafficPolicy: i % 4 == 0 ? "Local" : null));
            Assert.True(seen.Add(svc["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>()));
            Assert.True(clusterIps.Add(svc["spec"]!["clusterIP"]!.GetValue<string>()));
            if (svc["spec"]!["healthCheckNodePort"] is { } hc)
            {
                Assert.True(seen.Add(hc.GetValue<int>()));
            }
        }

        Assert.Equal(50, seen.Count);
        var taken = seen.First();
        var clash = ApiTestClient.Service("clash");
        clash["spec"]!["ports"]![0]!["nodePort"] = taken;
        var (code, body, _) = await Client.SendAsync(HttpMethod.Post, Services, clash);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("provided port is already allocated", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        clash["spec"]!["ports"]![0]!["nodePort"] = 80;
        (code, body, _) = await Client.SendAsync(HttpMethod.Post, Services, clash);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("30000-32767", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // Deleting a Service frees its node port.
        await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{Services}/s1");
        var freed = (await Client.GetAsync(Services))["items"]!.AsArray().Count;
        Assert.Equal(39, freed);
    }

    [Fact]
    public async Task ExternalTrafficPolicyLocal_GetsHealthCheckNodePort_KeptAcrossUpdates()
    {
        var svc = await Client.CreateAsync(Services, ApiTestClient.Service("local", externalTrafficPolicy: "Local"));
        var hc = svc["spec"]!["healthCheckNodePort"]!.GetValue<int>();
        Assert.InRange(hc, 30000, 32767);
        Assert.NotEqual(hc, svc["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>());

        // A PUT that omits allocated values keeps them, as the real server does.
        var put = (JsonObject)svc.DeepClone();
        put["spec"]!.AsObject().Remove("healthCheckNodePort");
        put["spec"]!["ports"]![0]!.AsObject().Remove("nodePort");
        put["spec"]!.AsObject().Remove("clusterIP");
        put["spec"]!.AsObject().Remove("clusterIPs");
        var updated = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Put, $"{Services}/local", put);
        Assert.Equal(hc, updated["spec"]!["healthCheckNodePort"]!.GetValue<int>());
        Assert.Equal(svc["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>(), updated["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>());
        Assert.Equal(svc["spec"]!["clusterIP"]!.GetValue<string>(), updated["spec"]!["clusterIP"]!.GetValue<string>());

        // Switching to Cluster releases the health check port.
        var cluster = await Client.MergePatchAsync($"{Services}/local", JsonNode.Parse("""{"spec":{"externalTrafficPolicy":"Cluster"}}""")!);
        Assert.Null(cluster["spec"]!["healthCheckNodePort"]);
    }

    [Fact]
    public async Task ClusterIp_IsImmutable()
    {
        await Client.CreateAsync(Services, ApiTestClient.Service("web"));
        var (code, body, _) = await Client.SendAsync(HttpMethod.Patch, $"{Services}/web", JsonNode.Parse("""{"spec":{"clusterIP":"198.19.200.200","clusterIPs":["198.19.200.200"]}}"""), "application/merge-patch+json");
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task ServiceTable_ShowsPendingThenIngressIp()
    {
        const string TableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        await Client.CreateAsync(Services, ApiTestClient.Service("web"));
        var (_, table, response) = await Client.SendAsync(HttpMethod.Get, Services, accept: TableAccept);
        Assert.Equal("Table", table["kind"]!.GetValue<string>());
        Assert.StartsWith("application/json", response.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);
        var columns = table["columnDefinitions"]!.AsArray().Where(c => c!["priority"]!.GetValue<int>() == 0).Select(c => c!["name"]!.GetValue<string>());
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"], columns, StringComparer.Ordinal);
        Assert.Equal("<pending>", table["rows"]![0]!["cells"]![3]!.GetValue<string>());
        Assert.Equal("PartialObjectMetadata", table["rows"]![0]!["object"]!["kind"]!.GetValue<string>());

        await Client.MergePatchAsync($"{Services}/web/status", JsonNode.Parse("""{"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.100"},{"ip":"2001:db8::100"}]}}}""")!);
        (_, table, _) = await Client.SendAsync(HttpMethod.Get, $"{Services}/web", accept: TableAccept);
        Assert.Equal("198.18.0.100,2001:db8::100", table["rows"]![0]!["cells"]![3]!.GetValue<string>());
    }
}
