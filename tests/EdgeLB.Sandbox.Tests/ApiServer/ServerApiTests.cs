using System.Net;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>The in-process API other test suites use to seed and inspect the server.</summary>
public sealed class ServerApiTests : ServerFixture
{
    [Fact]
    public async Task CreateObjects_MultiDocumentYaml_IsDefaultedAndVisibleOverHttp()
    {
        var created = Server.CreateObjects("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: edgelb-system}
            ---
            apiVersion: edgelb.io/v1alpha1
            kind: IPAddressPool
            metadata: {name: lan, namespace: edgelb-system}
            spec: {addresses: ["198.18.0.100-198.18.0.150"]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              type: LoadBalancer
              ports: [{port: 80}]
            """);
        Assert.Equal(3, created.Count);
        Assert.InRange(created[2]["spec"]!["ports"]![0]!["nodePort"]!.GetValue<int>(), 30000, 32767);
        Assert.Equal("default", created[2]["metadata"]!["namespace"]!.GetValue<string>());

        var pool = await Client.GetAsync("/apis/edgelb.io/v1alpha1/namespaces/edgelb-system/ipaddresspools/lan");
        Assert.Equal("198.18.0.100-198.18.0.150", pool["spec"]!["addresses"]![0]!.GetValue<string>());
        Assert.Equal(1, Server.GetObject("edgelb.io/v1alpha1", "IPAddressPool", "edgelb-system", "lan")!["metadata"]!["generation"]!.GetValue<int>());
        Assert.Null(Server.GetObject("v1", "Service", "default", "missing"));

        var error = Assert.Throws<InvalidOperationException>(() => Server.CreateObjects("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"));
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Server.CreateObjects("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"));
    }

    [Fact]
    public async Task ServerSideApply_OnStatus_SetsStatusAndRecordsTheManager()
    {
        Server.CreateObjects("apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n");
        var applied = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, "/api/v1/namespaces/default/services/web/status?fieldManager=edgelb-controller&force=true",
            JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.100","ipMode":"VIP"}]}}}"""),
            "application/apply-patch+yaml");
        Assert.Equal("198.18.0.100", applied["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.GetValue<string>());
        var manager = applied["metadata"]!["managedFields"]!.AsArray().Single(m => m!["manager"]!.GetValue<string>() == "edgelb-controller")!;
        Assert.Equal("Apply", manager["operation"]!.GetValue<string>());
        Assert.NotNull(manager["fieldsV1"]!["f:status"]!["f:loadBalancer"]!["f:ingress"]);
        Assert.Equal(80, applied["spec"]!["ports"]![0]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task DryRun_ValidatesWithoutStoring()
    {
        var rv = Server.ResourceVersion;
        var (code, body, _) = await Client.SendAsync(HttpMethod.Post, "/api/v1/namespaces/default/services?dryRun=All", ApiTestClient.Service("dry"));
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("dry", body["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(rv, Server.ResourceVersion);
        Assert.Null(Server.GetObject("v1", "Service", "default", "dry"));
    }
}
