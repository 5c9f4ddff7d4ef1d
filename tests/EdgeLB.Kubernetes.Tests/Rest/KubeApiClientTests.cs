using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;

namespace EdgeLB.Kubernetes.Tests.Rest;

public sealed class KubeApiClientTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private KubeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _client = FakeApi.Client(_server);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    private static Service NewService(string name) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "shop" },
        Spec = new ServiceSpec
        {
            Type = "LoadBalancer",
            ExternalTrafficPolicy = "Local",
            IpFamilies = ["IPv4", "IPv6"],
            IpFamilyPolicy = "PreferDualStack",
            Ports = [new ServicePort { Port = 80, TargetPort = "http", NodePort = 30080, Protocol = "TCP" }],
            SessionAffinity = "ClientIP",
            SessionAffinityConfig = new SessionAffinityConfig { ClientIP = new ClientIPConfig { TimeoutSeconds = 600 } },
        },
    };

    [Fact]
    public async Task CreateGetUpdateDelete_RoundTrip_WithTypedErrors()
    {
        var created = await _client.CreateAsync(Resources.Services, NewService("web"));
        Assert.NotNull(created.Metadata.ResourceVersion);
        Assert.Equal("http", created.Spec!.Ports![0].TargetPort!.Value.StringValue);
        Assert.Equal(600, created.Spec.SessionAffinityConfig!.ClientIP!.TimeoutSeconds);

        var ex = await Assert.ThrowsAsync<KubernetesAlreadyExistsException>(() => _client.CreateAsync(Resources.Services, NewService("web")));
        Assert.Equal(HttpStatusCode.Conflict, ex.StatusCode);
        Assert.Equal("AlreadyExists", ex.Reason);

        var got = await _client.GetAsync(Resources.Services, "shop", "web");
        var updated = await _client.UpdateAsync(Resources.Services, got with { Metadata = got.Metadata with { Labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["a"] = "b" } } });
        Assert.NotEqual(got.Metadata.ResourceVersion, updated.Metadata.ResourceVersion, StringComparer.Ordinal);

        // The copy we read first is now stale.
        var conflict = await Assert.ThrowsAsync<KubernetesConflictException>(() => _client.UpdateAsync(Resources.Services, got));
        Assert.Equal("Conflict", conflict.Reason);

        await _client.DeleteAsync(Resources.Services, "shop", "web");
        await Assert.ThrowsAsync<KubernetesNotFoundException>(() => _client.GetAsync(Resources.Services, "shop", "web"));
        Assert.Null(await _client.TryGetAsync(Resources.Services, "shop", "web"));
    }

    [Fact]
    public async Task ListAll_FollowsContinueTokens()
    {
        for (var i = 0; i < 7; i++)
        {
            _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", $"s{i}"));
        }

        var list = await _client.ListAllAsync(Resources.Services, "shop", new ListOptions { Limit = 3 });
        Assert.Equal(7, list.Items.Count);
        Assert.Equal([.. Enumerable.Range(0, 7).Select(i => $"s{i}")], list.Items.Select(s => s.Metadata.Name!).ToArray());
        Assert.Equal(3, _server.Requests.Count(r => r.StartsWith("GET /api/v1/namespaces/shop/services?limit=3", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ListAll_ExpiredContinue_FallsBackToFullList()
    {
        for (var i = 0; i < 5; i++)
        {
            _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", $"s{i}"));
        }

        _server.ExpireContinueTokens = true;
        var all = await _client.ListAllAsync(Resources.Services, "shop", new ListOptions { Limit = 2 });
        Assert.Equal(5, all.Items.Count);
        Assert.Equal("GET /api/v1/namespaces/shop/services ", _server.Requests[^1]);
    }

    [Theory]
    [InlineData(503)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task RetryableStatus_IsRetried_HonouringRetryAfter(int code)
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        _server.FailNext(1, code, retryAfter: "1");
        var watch = Stopwatch.StartNew();
        var svc = await _client.GetAsync(Resources.Services, "shop", "web");
        Assert.Equal("web", svc.Metadata.Name);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(10));
        Assert.Equal(2, _server.Requests.Count);
    }

    [Fact]
    public async Task TooLargeResourceVersion_IsNotRetried_AndIsRecognised()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        var ahead = _server.ResourceVersion + 1000;
        var ex = await Assert.ThrowsAsync<KubernetesServerErrorException>(() => _client.ListAsync(Resources.Services, null, new ListOptions { ResourceVersion = ahead.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        Assert.Equal(HttpStatusCode.GatewayTimeout, ex.StatusCode);
        Assert.True(TooLargeResourceVersion.Is(ex));
        Assert.Single(_server.Requests);

        // Any other 504 is retried as before.
        _server.FailNext(1, 504);
        await _client.ListAsync(Resources.Services, null);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task RetriesExhausted_ThrowsTypedError_AfterBoundedAttempts()
    {
        using var client = FakeApi.Client(_server, new KubeApiOptions { MaxRetryAttempts = 3, RetryBaseDelay = TimeSpan.FromMilliseconds(1) });
        _server.FailNext(10, 503);
        var ex = await Assert.ThrowsAsync<KubernetesServerErrorException>(() => client.GetAsync(Resources.Services, "shop", "web"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(4, _server.Requests.Count);

        _server.ClearFailures();
        _server.FailNext(10, 429);
        await Assert.ThrowsAsync<KubernetesTooManyRequestsException>(() => client.GetAsync(Resources.Services, "shop", "web"));
    }

    [Fact]
    public async Task SlowServer_TimesOutPerAttempt_AndIdempotentCallsRetry()
    {
        using var client = FakeApi.Client(_server, new KubeApiOptions { RequestTimeout = TimeSpan.FromMilliseconds(200), MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(1) });
        _server.ResponseDelay = TimeSpan.FromSeconds(1);
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.GetAsync(Resources.Services, "shop", "web"));
        Assert.StartsWith("get services shop/web: no answer within 0.2 s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, _server.RequestCount);

        // A create is not replayed: the first attempt may have been applied.
        await Assert.ThrowsAsync<TimeoutException>(() => client.CreateAsync(Resources.Services, NewService("slow")));
        Assert.Equal(3, _server.RequestCount);
    }

    [Fact]
    public async Task Invalid_CarriesCauses()
    {
        _server.FailNext(1, 422);
        var ex = await Assert.ThrowsAsync<KubernetesInvalidException>(() => _client.CreateAsync(Resources.Services, NewService("bad")));
        Assert.Equal("spec.ports[0].port", ex.Status!.Details!.Causes![0].Field);
        Assert.Single(_server.Requests);
    }

    [Theory]
    [InlineData(400, typeof(KubernetesBadRequestException))]
    [InlineData(404, typeof(KubernetesNotFoundException))]
    [InlineData(409, typeof(KubernetesConflictException))]
    [InlineData(410, typeof(KubernetesGoneException))]
    [InlineData(422, typeof(KubernetesInvalidException))]
    public async Task ErrorStatus_MapsToExceptionType(int code, Type expected)
    {
        _server.FailNext(1, code);
        var ex = await Assert.ThrowsAnyAsync<KubernetesApiException>(() => _client.GetAsync(Resources.Nodes, null, "n1"));
        Assert.IsType(expected, ex);
        Assert.Equal(code, (int)ex.StatusCode);
        Assert.Equal($"get nodes n1: injected {code}", ex.Message);
    }

    [Fact]
    public async Task MergePatchOfStatus_KeepsFieldsTheClientDoesNotModel()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web", extraSpecField: "futureField"));
        var patch = new JsonObject { ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "198.18.0.100", ["ipMode"] = "Proxy" }) } } };
        var result = await _client.PatchAsync(Resources.Services, "shop", "web", PatchType.Merge, patch, "status");
        Assert.Equal("198.18.0.100", result.Status!.LoadBalancer!.Ingress![0].Ip);
        Assert.Equal("Proxy", result.Status.LoadBalancer.Ingress[0].IpMode);
        Assert.Equal("kept", _server.Snapshot(FakeApi.Services)["shop/web"]["spec"]!["futureField"]!.GetValue<string>());
        Assert.Contains(_server.Requests, r => r.StartsWith("PATCH /api/v1/namespaces/shop/services/web/status application/merge-patch+json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UpdateOfTypedObject_KeepsFieldsTheClientDoesNotModel()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web", extraSpecField: "futureField"));
        var svc = await _client.GetAsync(Resources.Services, "shop", "web");
        await _client.UpdateAsync(Resources.Services, svc with { Spec = svc.Spec! with { LoadBalancerClass = "edgelb.io/lb" } });
        var raw = _server.Snapshot(FakeApi.Services)["shop/web"];
        Assert.Equal("kept", raw["spec"]!["futureField"]!.GetValue<string>());
        Assert.Equal("edgelb.io/lb", raw["spec"]!["loadBalancerClass"]!.GetValue<string>());
    }

    [Fact]
    public async Task Apply_SendsApplyPatchWithFieldManagerAndForce()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        var config = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web", ["namespace"] = "shop" },
            ["status"] = new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Allocated", ["status"] = "True", ["reason"] = "Pool", ["message"] = "", ["lastTransitionTime"] = "2026-01-01T00:00:00Z" }) },
        };
        var result = await _client.ApplyAsync(Resources.Services, config, "edgelb-controller", force: true, subresource: "status");
        Assert.Equal("Allocated", result.Status!.Conditions![0].Type);
        Assert.Contains(_server.Requests, r => r == "PATCH /api/v1/namespaces/shop/services/web/status?fieldManager=edgelb-controller&force=true application/apply-patch+yaml");
        Assert.Equal("Service", config["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task PatchStatusWithRetry_ReReadsAndReappliesOnConflict()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        var calls = 0;
        var result = await _client.PatchStatusWithRetryAsync(Resources.Services, "shop", "web", svc =>
        {
            calls++;
            if (calls == 1)
            {
                // Another writer changes the object between our read and our write.
                var other = FakeApi.Service("shop", "web");
                other["metadata"]!["labels"] = new JsonObject { ["touched"] = "yes" };
                _server.Put(FakeApi.Services, "shop", other);
            }

            return new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = $"198.18.0.{calls}" }) } };
        });
        Assert.Equal(2, calls);
        Assert.Equal("198.18.0.2", result.Status!.LoadBalancer!.Ingress![0].Ip);
        Assert.Equal("yes", result.Metadata.Labels!["touched"]);
        Assert.Equal(2, _server.Requests.Count(r => r.StartsWith("PATCH", StringComparison.Ordinal) && r.Contains("/status", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PatchStatusWithRetry_GivesUpAfterMaxAttempts()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        var calls = 0;
        await Assert.ThrowsAsync<KubernetesConflictException>(() => _client.PatchStatusWithRetryAsync(Resources.Services, "shop", "web", _ =>
        {
            calls++;
            _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
            return new JsonObject { ["loadBalancer"] = new JsonObject() };
        }, maxAttempts: 3));
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Delete_WithStalePrecondition_Conflicts()
    {
        _server.Put(FakeApi.Services, "shop", FakeApi.Service("shop", "web"));
        await Assert.ThrowsAsync<KubernetesConflictException>(() => _client.DeleteAsync(Resources.Services, "shop", "web", new DeleteOptions { PreconditionResourceVersion = "1" }));
    }

    [Fact]
    public async Task TokenReview_RoundTrips()
    {
        var review = await _client.ReviewTokenAsync("good", ["edgelb"]);
        Assert.True(review.Status!.Authenticated);
        Assert.Equal("system:serviceaccount:edgelb:speaker", review.Status.User!.Username);
    }

    [Fact]
    public async Task ClusterScoped_WithNamespace_IsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetAsync(Resources.Nodes, "shop", "n1"));
    }

    [Fact]
    public void ParseWatchLine_ReadsEveryEventType()
    {
        var added = _client.ParseWatchLine(Resources.Services, """{"type":"ADDED","object":{"kind":"Service","metadata":{"name":"a","resourceVersion":"5"}}}""")!;
        Assert.Equal(WatchEventType.Added, added.Type);
        Assert.Equal("5", added.Resource!.Metadata.ResourceVersion);
        var bookmark = _client.ParseWatchLine(Resources.Services, """{"type":"BOOKMARK","object":{"kind":"Service","metadata":{"resourceVersion":"9"}}}""")!;
        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        var error = _client.ParseWatchLine(Resources.Services, """{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}""")!;
        Assert.Equal(WatchEventType.Error, error.Type);
        Assert.Equal(410, error.Status!.Code);
        Assert.Null(_client.ParseWatchLine(Resources.Services, """{"type":"SOMETHING","object":{}}"""));

        // Member order is not guaranteed by JSON: the object may come before its type.
        var reversed = _client.ParseWatchLine(Resources.Services, """{"object":{"kind":"Service","metadata":{"name":"b","resourceVersion":"7"}},"extra":[1,{"x":2}],"type":"MODIFIED"}""")!;
        Assert.Equal(WatchEventType.Modified, reversed.Type);
        Assert.Equal("b", reversed.Resource!.Metadata.Name);
        Assert.Throws<KubernetesApiException>(() => _client.ParseWatchLine(Resources.Services, """{"type":"ADDED"}"""));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => _client.ParseWatchLine(Resources.Services, """{"type":"ADDED","object":{"""));
    }

    [Fact]
    public async Task Models_RoundTripEveryResource()
    {
        var lease = await _client.CreateAsync(Resources.Leases, new Lease
        {
            Metadata = new ObjectMeta { Name = "l", Namespace = "edgelb-system" },
            Spec = new LeaseSpec { HolderIdentity = "a", LeaseDurationSeconds = 15, AcquireTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234560), RenewTime = DateTimeOffset.UnixEpoch, LeaseTransitions = 2 },
        });
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1234560), lease.Spec!.AcquireTime);
        var raw = _server.Snapshot("coordination.k8s.io/v1/leases")["edgelb-system/l"];
        Assert.Equal("2026-01-01T00:00:00.123456Z", raw["spec"]!["acquireTime"]!.GetValue<string>());

        var pool = await _client.CreateAsync(Resources.IPAddressPools, new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" },
            Spec = new IPAddressPoolSpec
            {
                Addresses = ["198.18.0.100-198.18.0.150", "2001:db8:0:1::100/124"],
                AutoAssign = true,
                AvoidBuggyIPs = false,
                ServiceAllocation = new ServiceAllocation { Priority = 10, Namespaces = ["shop"], ServiceSelectors = [new LabelSelector { MatchLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["exposure"] = "public" } }] },
            },
        });
        Assert.Equal(10, pool.Spec!.ServiceAllocation!.Priority);
        var rawPool = _server.Snapshot("edgelb.io/v1alpha1/ipaddresspools")["edgelb-system/lan"];
        Assert.Equal("edgelb.io/v1alpha1", rawPool["apiVersion"]!.GetValue<string>());
        Assert.False(rawPool["spec"]!["avoidBuggyIPs"]!.GetValue<bool>());

        var l2 = await _client.CreateAsync(Resources.L2Advertisements, new L2Advertisement
        {
            Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" },
            Spec = new L2AdvertisementSpec { IpAddressPools = ["lan"], Interfaces = ["eth0"], NodeSelectors = [new LabelSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "edge", Operator = "In", Values = ["true"] }] }] },
        });
        Assert.Equal("edge", l2.Spec!.NodeSelectors![0].MatchExpressions![0].Key);

        var slice = await _client.CreateAsync(Resources.EndpointSlices, new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = "web-abc", Namespace = "shop", Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [EndpointSlice.ServiceNameLabel] = "web" } },
            AddressType = "IPv4",
            Endpoints = [new Endpoint { Addresses = ["198.18.1.5"], NodeName = "n1", Conditions = new EndpointConditions { Ready = true } }],
            Ports = [new EndpointPort { Name = "http", Port = 8080, Protocol = "TCP" }],
        });
        Assert.Equal("n1", slice.Endpoints![0].NodeName);

        _server.Put("v1/nodes", null, JsonNode.Parse("""{"metadata":{"name":"n1","labels":{"edge":"true"}},"status":{"addresses":[{"type":"InternalIP","address":"198.18.1.1"}],"conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-01-01T00:00:00Z"}]}}""")!.AsObject());
        var node = await _client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("198.18.1.1", node.Status!.Addresses![0].Address);
        Assert.Equal("Ready", node.Status.Conditions![0].Type);
    }
}
