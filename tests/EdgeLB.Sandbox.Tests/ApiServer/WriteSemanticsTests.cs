using System.Net;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class WriteSemanticsTests : ServerFixture
{
    private const string Services = "/api/v1/namespaces/default/services";
    private const string ConfigMaps = "/api/v1/namespaces/default/configmaps";

    [Fact]
    public async Task Put_WithStaleResourceVersion_Is409Conflict()
    {
        var created = await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        var stale = (JsonObject)created.DeepClone();
        await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"data":{"k":"2"}}""")!);

        stale["data"]!["k"] = "3";
        var (code, body, _) = await Client.SendAsync(HttpMethod.Put, $"{ConfigMaps}/a", stale);
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Status", body["kind"]!.GetValue<string>());
        Assert.Equal("Failure", body["status"]!.GetValue<string>());
        Assert.Equal("Conflict", body["reason"]!.GetValue<string>());
        Assert.Equal(409, body["code"]!.GetValue<int>());
        Assert.Contains("the object has been modified", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // With the current resourceVersion the same PUT succeeds.
        var current = await Client.GetAsync($"{ConfigMaps}/a");
        stale["metadata"]!["resourceVersion"] = current["metadata"]!["resourceVersion"]!.GetValue<string>();
        var updated = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Put, $"{ConfigMaps}/a", stale);
        Assert.Equal("3", updated["data"]!["k"]!.GetValue<string>());
    }

    [Fact]
    public async Task MergePatch_CarryingStaleResourceVersion_Is409_AndWithoutOneApplies()
    {
        var created = await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"data":{"k":"2"}}""")!);
        var stalePatch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = created["metadata"]!["resourceVersion"]!.GetValue<string>() },
            ["data"] = new JsonObject { ["k"] = "3" },
        };
        var (code, body, _) = await Client.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/a", stalePatch, "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", body["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task StatusSubresource_MainEndpointIgnoresStatus_StatusEndpointIgnoresSpec()
    {
        var svc = ApiTestClient.Service("web");
        svc["status"] = JsonNode.Parse("""{"loadBalancer":{"ingress":[{"ip":"198.18.0.1"}]}}""");
        var created = await Client.CreateAsync(Services, svc);
        Assert.Null(created["status"]!["loadBalancer"]!["ingress"]);

        // Main endpoint: the status part of a patch is dropped, the spec part applies.
        var main = await Client.MergePatchAsync($"{Services}/web", JsonNode.Parse(
            """{"spec":{"sessionAffinity":"ClientIP"},"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.2"}]}}}""")!);
        Assert.Equal("ClientIP", main["spec"]!["sessionAffinity"]!.GetValue<string>());
        Assert.Null(main["status"]!["loadBalancer"]!["ingress"]);

        // Status endpoint: the status applies, the spec part is dropped.
        var status = await Client.MergePatchAsync($"{Services}/web/status", JsonNode.Parse(
            """{"spec":{"sessionAffinity":"None"},"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.3"}]}}}""")!);
        Assert.Equal("ClientIP", status["spec"]!["sessionAffinity"]!.GetValue<string>());
        Assert.Equal("198.18.0.3", status["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.GetValue<string>());

        // PUT on /status with a stale resourceVersion conflicts like any other write.
        var stale = (JsonObject)created.DeepClone();
        stale["status"] = JsonNode.Parse("""{"loadBalancer":{}}""");
        var (code, _, _) = await Client.SendAsync(HttpMethod.Put, $"{Services}/web/status", stale);
        Assert.Equal(HttpStatusCode.Conflict, code);

        // A GET of /status returns the whole object.
        var got = await Client.GetAsync($"{Services}/web/status");
        Assert.Equal("web", got["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task MergePatch_KeepsUnrelatedFields_AndNullDeletes()
    {
        var svc = ApiTestClient.Service("web");
        svc["metadata"]!["annotations"] = new JsonObject { ["keep"] = "me", ["drop"] = "me" };
        await Client.CreateAsync(Services, svc);
        var patched = await Client.MergePatchAsync($"{Services}/web", JsonNode.Parse("""{"metadata":{"annotations":{"drop":null,"new":"x"}}}""")!);
        var annotations = patched["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("me", annotations["keep"]!.GetValue<string>());
        Assert.Equal("x", annotations["new"]!.GetValue<string>());
        Assert.False(annotations.ContainsKey("drop"));
        Assert.Equal("web", patched["metadata"]!["labels"]!["app"]!.GetValue<string>());
        Assert.Equal(80, patched["spec"]!["ports"]![0]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task StrategicMergePatch_MergesPortsByKey()
    {
        await Client.CreateAsync(Services, ApiTestClient.Service("web"));
        var patched = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Services}/web", JsonNode.Parse(
            """{"spec":{"ports":[{"port":80,"targetPort":9090},{"name":"https","port":443}]}}"""), "application/strategic-merge-patch+json");
        var ports = patched["spec"]!["ports"]!.AsArray();
        Assert.Equal(2, ports.Count);
        Assert.Equal("http", ports[0]!["name"]!.GetValue<string>());
        Assert.Equal(9090, ports[0]!["targetPort"]!.GetValue<int>());
        Assert.Equal(443, ports[1]!["port"]!.GetValue<int>());
    }

    [Fact]
    public async Task ServerSideApply_KeepsUnrelatedFields_DetectsConflicts_ForceTakesOver()
    {
        const string ApplyType = "application/apply-patch+yaml";
        await Client.CreateAsync(Services, ApiTestClient.Service("web"));
        await Client.MergePatchAsync($"{Services}/web", JsonNode.Parse("""{"metadata":{"labels":{"owner":"someone-else"}}}""")!);

        var first = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Services}/web?fieldManager=edgelb-controller", JsonNode.Parse(
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default","annotations":{"edgelb.io/ip-allocated-from-pool":"lan"}}}"""), ApplyType);
        Assert.Equal("lan", first["metadata"]!["annotations"]!["edgelb.io/ip-allocated-from-pool"]!.GetValue<string>());
        Assert.Equal("someone-else", first["metadata"]!["labels"]!["owner"]!.GetValue<string>());
        Assert.Equal(80, first["spec"]!["ports"]![0]!["port"]!.GetValue<int>());
        Assert.Contains(first["metadata"]!["managedFields"]!.AsArray(), m => m!["manager"]!.GetValue<string>() == "edgelb-controller");

        // Another applier setting the same field differently conflicts...
        var (code, body, _) = await Client.SendAsync(HttpMethod.Patch, $"{Services}/web?fieldManager=other", JsonNode.Parse(
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","annotations":{"edgelb.io/ip-allocated-from-pool":"wan"}}}"""), ApplyType);
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Contains("edgelb-controller", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        // ...unless it forces.
        var forced = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Patch, $"{Services}/web?fieldManager=other&force=true", JsonNode.Parse(
            """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","annotations":{"edgelb.io/ip-allocated-from-pool":"wan"}}}"""), ApplyType);
        Assert.Equal("wan", forced["metadata"]!["annotations"]!["edgelb.io/ip-allocated-from-pool"]!.GetValue<string>());

        // A field an applier stops applying is removed; YAML bodies work too.
        var yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              annotations:
                edgelb.io/announcing-node: node-a
            """;
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"{Services}/web?fieldManager=other") { Content = new StringContent(yaml) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(ApplyType);
        using var response = await Client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var after = await Client.GetAsync($"{Services}/web");
        var annotations = after["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("node-a", annotations["edgelb.io/announcing-node"]!.GetValue<string>());
        Assert.False(annotations.ContainsKey("edgelb.io/ip-allocated-from-pool"));
        Assert.Equal("someone-else", after["metadata"]!["labels"]!["owner"]!.GetValue<string>());
    }

    [Fact]
    public async Task ServerSideApply_CreatesMissingObject_AndRequiresFieldManager()
    {
        var (code, body, _) = await Client.SendAsync(HttpMethod.Patch, "/apis/coordination.k8s.io/v1/namespaces/default/leases/l1", JsonNode.Parse(
            """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l1"},"spec":{"holderIdentity":"a"}}"""), "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("fieldManager", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var created = await Client.ExpectAsync(HttpStatusCode.Created, HttpMethod.Patch, "/apis/coordination.k8s.io/v1/namespaces/default/leases/l1?fieldManager=t", JsonNode.Parse(
            """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"l1"},"spec":{"holderIdentity":"a"}}"""), "application/apply-patch+yaml");
        Assert.Equal("a", created["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [Fact]
    public async Task Errors_HaveStatusBodies_WithRealReasons()
    {
        var (code, body, _) = await Client.SendAsync(HttpMethod.Get, $"{Services}/missing");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", body["reason"]!.GetValue<string>());
        Assert.Equal("services \"missing\" not found", body["message"]!.GetValue<string>());
        Assert.Equal("services", body["details"]!["kind"]!.GetValue<string>());

        await Client.CreateAsync(Services, ApiTestClient.Service("web"));
        (code, body, _) = await Client.SendAsync(HttpMethod.Post, Services, ApiTestClient.Service("web"));
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", body["reason"]!.GetValue<string>());

        var nameless = ApiTestClient.Service("x");
        nameless["metadata"]!.AsObject().Remove("name");
        (code, body, _) = await Client.SendAsync(HttpMethod.Post, Services, nameless);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", body["reason"]!.GetValue<string>());
        Assert.Equal("metadata.name", body["details"]!["causes"]![0]!["field"]!.GetValue<string>());

        var badPort = ApiTestClient.Service("bad", port: 70000);
        (code, body, _) = await Client.SendAsync(HttpMethod.Post, Services, badPort);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("spec.ports[0].port", body["message"]!.GetValue<string>(), StringComparison.Ordinal);

        (code, body, _) = await Client.SendAsync(HttpMethod.Post, "/api/v1/namespaces/nowhere/services", ApiTestClient.Service("web"));
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("namespaces \"nowhere\" not found", body["message"]!.GetValue<string>());

        (code, body, _) = await Client.SendAsync(HttpMethod.Get, "/apis/nothing.example/v1/things");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("Status", body["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_GenerateName_AssignsNameUidTimestamp()
    {
        var body = ApiTestClient.ConfigMap("ignored");
        body["metadata"] = new JsonObject { ["generateName"] = "cfg-" };
        var created = await Client.CreateAsync(ConfigMaps, body);
        var meta = created["metadata"]!;
        Assert.Matches("^cfg-[a-z0-9]{5}$", meta["name"]!.GetValue<string>());
        Assert.True(Guid.TryParse(meta["uid"]!.GetValue<string>(), out _));
        Assert.True(DateTimeOffset.TryParse(meta["creationTimestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.Equal("default", meta["namespace"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_ThatChangesNothing_KeepsResourceVersion()
    {
        var created = await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        var same = await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"data":{"k":"1"}}""")!);
        Assert.Equal(ApiTestClient.Rv(created), ApiTestClient.Rv(same));
    }

    [Fact]
    public async Task Delete_WithFinalizer_MarksThenRemovesWhenFinalizerCleared()
    {
        var body = ApiTestClient.ConfigMap("a");
        body["metadata"]!["finalizers"] = new JsonArray("edgelb.io/cleanup");
        await Client.CreateAsync(ConfigMaps, body);
        var marked = await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, $"{ConfigMaps}/a");
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        await Client.GetAsync($"{ConfigMaps}/a");

        await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"metadata":{"finalizers":null}}""")!);
        var (code, _, _) = await Client.SendAsync(HttpMethod.Get, $"{ConfigMaps}/a");
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task Delete_WithStaleResourceVersionPrecondition_Conflicts()
    {
        var created = await Client.CreateAsync(ConfigMaps, ApiTestClient.ConfigMap("a"));
        await Client.MergePatchAsync($"{ConfigMaps}/a", JsonNode.Parse("""{"data":{"k":"2"}}""")!);
        var options = JsonNode.Parse($$$"""{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"resourceVersion":"{{{ApiTestClient.Rv(created)}}}"}}""");
        var (code, _, _) = await Client.SendAsync(HttpMethod.Delete, $"{ConfigMaps}/a", options);
        Assert.Equal(HttpStatusCode.Conflict, code);
    }

    [Fact]
    public async Task DeletingNamespace_DeletesItsObjects()
    {
        await Client.CreateAsync("/api/v1/namespaces", JsonNode.Parse("""{"metadata":{"name":"shop"}}""")!);
        await Client.CreateAsync("/api/v1/namespaces/shop/services", ApiTestClient.Service("web"));
        await Client.ExpectAsync(HttpStatusCode.OK, HttpMethod.Delete, "/api/v1/namespaces/shop");
        var (code, _, _) = await Client.SendAsync(HttpMethod.Get, "/api/v1/namespaces/shop/services/web");
        Assert.Equal(HttpStatusCode.NotFound, code);
    }

    [Fact]
    public async Task TokenReview_AuthenticatesIssuedTokens_WithAudience()
    {
        var token = Server.IssueToken("edgelb-speaker", "edgelb-system", "edgelb", podName: "speaker-x", nodeName: "node-a");
        var review = await Client.CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", JsonNode.Parse(
            $$$"""{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}","audiences":["edgelb"]}}""")!);
        Assert.True(review["status"]!["authenticated"]!.GetValue<bool>());
        Assert.Equal("system:serviceaccount:edgelb-system:edgelb-speaker", review["status"]!["user"]!["username"]!.GetValue<string>());
        Assert.Equal("node-a", review["status"]!["user"]!["extra"]!["authentication.kubernetes.io/node-name"]![0]!.GetValue<string>());

        var wrongAudience = await Client.CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", JsonNode.Parse(
            $$$"""{"spec":{"token":"{{{token}}}","audiences":["other"]}}""")!);
        Assert.False(wrongAudience["status"]!["authenticated"]!.GetValue<bool>());

        var unknown = await Client.CreateAsync("/apis/authentication.k8s.io/v1/tokenreviews", JsonNode.Parse("""{"spec":{"token":"forged"}}""")!);
        Assert.False(unknown["status"]!["authenticated"]!.GetValue<bool>());
    }
}
