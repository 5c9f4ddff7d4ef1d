using System.Net;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>/metrics counts answered resource requests like kube-apiserver's apiserver_request_total.</summary>
public sealed class RequestCountTests : ServerFixture
{
    [Fact]
    public async Task Metrics_CountEachVerbResourceAndCode()
    {
        await Client.CreateAsync("/api/v1/namespaces/default/events", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "e1" }, ["reason"] = "R", ["message"] = "m" });
        await Client.MergePatchAsync("/api/v1/namespaces/default/events/e1", new JsonObject { ["count"] = 2 });
        await Client.MergePatchAsync("/api/v1/namespaces/default/events/e1", new JsonObject { ["count"] = 3 });
        await Client.ExpectAsync(HttpStatusCode.NotFound, HttpMethod.Get, "/api/v1/namespaces/default/events/missing");
        await Client.GetAsync("/api/v1/namespaces/default/events");

        var text = await Client.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var lines = text.Split('\n');
        Assert.Contains("apiserver_request_total{code=\"201\",group=\"\",resource=\"events\",subresource=\"\",verb=\"POST\",version=\"v1\"} 1", lines);
        Assert.Contains("apiserver_request_total{code=\"200\",group=\"\",resource=\"events\",subresource=\"\",verb=\"PATCH\",version=\"v1\"} 2", lines);
        Assert.Contains("apiserver_request_total{code=\"404\",group=\"\",resource=\"events\",subresource=\"\",verb=\"GET\",version=\"v1\"} 1", lines);
        Assert.Contains("apiserver_request_total{code=\"200\",group=\"\",resource=\"events\",subresource=\"\",verb=\"LIST\",version=\"v1\"} 1", lines);
    }
}
