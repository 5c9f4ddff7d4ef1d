using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EdgeLB.Sandbox.ApiServer;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.ApiServer;

/// <summary>The real kubectl is the referee: what it prints against our server is what a user would see against a cluster.</summary>
public sealed class KubectlRefereeTests : IAsyncLifetime
{
    private const string ServiceManifest = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          labels: {app: web}
        spec:
          type: LoadBalancer
          selector: {app: web}
          ports:
          - name: http
            port: 80
            targetPort: 8080
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgelb-kubectl-" + Guid.NewGuid().ToString("N")[..8]);
    private InMemoryApiServer _server = null!;
    private ApiTestClient _client = null!;
    private string _kubeconfig = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _server = await InMemoryApiServer.StartAsync();
        _client = new ApiTestClient(_server.BaseAddress);
        _kubeconfig = _server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [KubectlFact]
    public async Task LoadBalancerService_ApplyThenStatusPatch_GetAndWatchShowExternalIp()
    {
        var applied = await ApplyAsync(ServiceManifest);
        Assert.Contains("service/web created", applied, StringComparison.Ordinal);

        var before = await KubectlAsync("get", "svc");
        Assert.Matches(new Regex(@"^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\s*$", RegexOptions.Multiline), before);
        Assert.Matches(new Regex(@"^web\s+LoadBalancer\s+198\.19\.\d+\.\d+\s+<pending>\s+80:3\d{4}/TCP\s+\d+s\s*$", RegexOptions.Multiline), before);

        var watchOutput = new StringBuilder();
        using var watch = StartKubectl(watchOutput, "get", "svc", "-w");
        try
        {
            await WaitForAsync(() => Contains(watchOutput, "<pending>"), "kubectl get svc -w to print the initial row");
            await _client.MergePatchAsync("/api/v1/namespaces/default/services/web/status", JsonNode.Parse(
                """{"status":{"loadBalancer":{"ingress":[{"ip":"198.18.0.100","ipMode":"VIP"}]}}}""")!);

            var after = await KubectlAsync("get", "svc", "web");
            Assert.Matches(new Regex(@"^web\s+LoadBalancer\s+198\.19\.\d+\.\d+\s+198\.18\.0\.100\s+80:3\d{4}/TCP\s+\d+s\s*$", RegexOptions.Multiline), after);
            await WaitForAsync(() => Contains(watchOutput, "198.18.0.100"), "kubectl get svc -w to print the new EXTERNAL-IP");
            Assert.Matches(new Regex(@"^web\s+LoadBalancer\s+198\.19\.\d+\.\d+\s+198\.18\.0\.100\s", RegexOptions.Multiline), Snapshot(watchOutput));
        }
        finally
        {
            watch.Kill();
            await watch.WaitForExitAsync();
        }
    }

    [KubectlFact]
    public async Task Describe_ShowsServiceAndItsEvents()
    {
        await ApplyAsync(ServiceManifest);
        var svc = await _client.GetAsync("/api/v1/namespaces/default/services/web");
        await _client.CreateAsync("/api/v1/namespaces/default/events", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web.ip" },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = "Service", ["namespace"] = "default", ["name"] = "web", ["apiVersion"] = "v1",
                ["uid"] = svc["metadata"]!["uid"]!.GetValue<string>(),
            },
            ["reason"] = "IPAllocated",
            ["message"] = "Assigned IP [\"198.18.0.100\"]",
            ["type"] = "Normal",
            ["source"] = new JsonObject { ["component"] = "edgelb-controller" },
            ["count"] = 1,
            ["lastTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
        });
        // An event about another object must not show up.
        await _client.CreateAsync("/api/v1/namespaces/default/events", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "other.1" },
            ["involvedObject"] = new JsonObject { ["kind"] = "Service", ["namespace"] = "default", ["name"] = "other" },
            ["reason"] = "SomethingElse",
            ["message"] = "not about web",
            ["type"] = "Warning",
        });

        var described = await KubectlAsync("describe", "svc", "web");
        Assert.Matches(new Regex(@"^Type:\s+LoadBalancer", RegexOptions.Multiline), described);
        Assert.Matches(new Regex(@"^NodePort:\s+http\s+3\d{4}/TCP", RegexOptions.Multiline), described);
        Assert.Matches(new Regex(@"^External Traffic Policy:\s+Cluster", RegexOptions.Multiline), described);
        Assert.Matches(new Regex(@"Normal\s+IPAllocated\s+\S+\s+edgelb-controller\s+Assigned IP \[""198\.18\.0\.100""\]"), described);
        Assert.DoesNotContain("SomethingElse", described, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task GetNodes_PrintsStatusRolesAndVersion()
    {
        await ApplyAsync("""
            apiVersion: v1
            kind: Node
            metadata:
              name: node-a
              labels: {node-role.kubernetes.io/edge: ""}
            status:
              conditions: [{type: Ready, status: "True"}]
              addresses: [{type: InternalIP, address: 198.18.7.11}]
              nodeInfo: {kubeletVersion: v1.32.4}
            ---
            apiVersion: v1
            kind: Node
            metadata: {name: node-b}
            spec: {unschedulable: true}
            status:
              conditions: [{type: Ready, status: "False"}]
            """);

        var nodes = await KubectlAsync("get", "nodes", "-o", "wide");
        Assert.Matches(new Regex(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP", RegexOptions.Multiline), nodes);
        Assert.Matches(new Regex(@"^node-a\s+Ready\s+edge\s+\d+s\s+v1\.32\.4\s+198\.18\.7\.11", RegexOptions.Multiline), nodes);
        Assert.Matches(new Regex(@"^node-b\s+NotReady,SchedulingDisabled\s+<none>", RegexOptions.Multiline), nodes);
        Assert.Contains("node-a", await KubectlAsync("get", "no", "-l", "node-role.kubernetes.io/edge", "-o", "name"), StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task EdgeLbKinds_ApplyAndGet()
    {
        // kubectl create sends protobuf bodies.
        Assert.Contains("namespace/edgelb-system created", await KubectlAsync("create", "namespace", "edgelb-system"), StringComparison.Ordinal);
        Assert.Contains("configmap/cfg created", await KubectlAsync("create", "configmap", "cfg", "-n", "edgelb-system", "--from-literal=mode=l2"), StringComparison.Ordinal);
        Assert.Contains("service/lb created", await KubectlAsync("create", "service", "loadbalancer", "lb", "-n", "edgelb-system", "--tcp=443:8443"), StringComparison.Ordinal);
        Assert.Matches(new Regex(@"^lb\s+LoadBalancer\s+198\.19\.\d+\.\d+\s+<pending>\s+443:3\d{4}/TCP", RegexOptions.Multiline), await KubectlAsync("get", "svc", "-n", "edgelb-system"));
        Assert.Equal("l2", await KubectlAsync("get", "cm", "cfg", "-n", "edgelb-system", "-o", "jsonpath={.data.mode}"));
        await ApplyAsync("""
            apiVersion: edgelb.io/v1alpha1
            kind: IPAddressPool
            metadata: {name: lan, namespace: edgelb-system}
            spec:
              addresses: ["198.18.0.100-198.18.0.150", "2001:db8:0:1::100/124"]
              autoAssign: true
            ---
            apiVersion: edgelb.io/v1alpha1
            kind: L2Advertisement
            metadata: {name: lan, namespace: edgelb-system}
            spec:
              ipAddressPools: [lan]
            """);

        var pools = await KubectlAsync("get", "ipaddresspools", "-n", "edgelb-system");
        Assert.Matches(new Regex(@"^lan\s+true\s+false\s+198\.18\.0\.100-198\.18\.0\.150,2001:db8:0:1::100/124\s+\d+s", RegexOptions.Multiline), pools);
        var ads = await KubectlAsync("get", "l2advertisements.edgelb.io", "-A");
        Assert.Matches(new Regex(@"^edgelb-system\s+lan\s+lan\s", RegexOptions.Multiline), ads);

        // A second apply of a changed manifest goes through kubectl's patch path (JSON merge patch for kinds it does not compile in).
        var configured = await ApplyAsync("""
            apiVersion: edgelb.io/v1alpha1
            kind: IPAddressPool
            metadata: {name: lan, namespace: edgelb-system}
            spec:
              addresses: ["198.18.0.200-198.18.0.210"]
              autoAssign: false
            """);
        Assert.Contains("configured", configured, StringComparison.Ordinal);
        var yaml = await KubectlAsync("get", "ipaddresspool", "lan", "-n", "edgelb-system", "-o", "jsonpath={.spec.addresses[0]} {.spec.autoAssign} {.metadata.generation}");
        Assert.Equal("198.18.0.200-198.18.0.210 false 2", yaml.Trim());
    }

    [KubectlFact]
    public async Task ApplyAgain_LabelAnnotateAndPatch_KeepAllocations()
    {
        await ApplyAsync(ServiceManifest);
        var first = await _client.GetAsync("/api/v1/namespaces/default/services/web");
        var changed = await ApplyAsync(ServiceManifest.Replace("targetPort: 8080", "targetPort: 9090", StringComparison.Ordinal)
            + "\n  - name: https\n    port: 443\n");
        Assert.Contains("service/web configured", changed, StringComparison.Ordinal);
        Assert.Contains("labeled", await KubectlAsync("label", "svc", "web", "tier=front"), StringComparison.Ordinal);
        Assert.Contains("annotated", await KubectlAsync("annotate", "svc", "web", "edgelb.io/address-pool=lan"), StringComparison.Ordinal);
        Assert.Contains("patched", await KubectlAsync("patch", "svc", "web", "--type=json", "-p", """[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"}]"""), StringComparison.Ordinal);

        var svc = await _client.GetAsync("/api/v1/namespaces/default/services/web");
        Assert.Equal(first["spec"]!["clusterIP"]!.ToJsonString(), svc["spec"]!["clusterIP"]!.ToJsonString());
        var ports = svc["spec"]!["ports"]!.AsArray();
        Assert.Equal(2, ports.Count);
        Assert.Equal(first["spec"]!["ports"]![0]!["nodePort"]!.GetValue<long>(), ports[0]!["nodePort"]!.GetValue<long>());
        Assert.Equal(9090, ports[0]!["targetPort"]!.GetValue<long>());
        Assert.NotEqual(ports[0]!["nodePort"]!.GetValue<long>(), ports[1]!["nodePort"]!.GetValue<long>());
        Assert.Equal("front", svc["metadata"]!["labels"]!["tier"]!.GetValue<string>());
        Assert.Equal("lan", svc["metadata"]!["annotations"]!["edgelb.io/address-pool"]!.GetValue<string>());
        Assert.Equal("ClientIP", svc["spec"]!["sessionAffinity"]!.GetValue<string>());
    }

    [KubectlFact]
    public async Task ServerSideApply_AndDelete()
    {
        var applied = await ApplyAsync(ServiceManifest, "--server-side");
        Assert.Contains("serverside-applied", applied, StringComparison.Ordinal);
        var managers = await KubectlAsync("get", "svc", "web", "-o", "jsonpath={.metadata.managedFields[*].manager}", "--show-managed-fields");
        Assert.Contains("kubectl", managers, StringComparison.Ordinal);

        Assert.Contains("service \"web\" deleted", await KubectlAsync("delete", "svc", "web"), StringComparison.Ordinal);
        var (code, body, _) = await _client.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/web");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, code);
        Assert.Equal("NotFound", body["reason"]!.GetValue<string>());
        var missing = await KubectlAsync(check: false, "get", "svc", "web");
        Assert.Contains("services \"web\" not found", missing, StringComparison.Ordinal);
    }

    private async Task<string> ApplyAsync(string manifest, params string[] extra)
    {
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".yaml");
        await File.WriteAllTextAsync(file, manifest);
        return await KubectlAsync(["apply", "-f", file, .. extra]);
    }

    private Task<string> KubectlAsync(params string[] args) => KubectlAsync(check: true, args);

    private async Task<string> KubectlAsync(bool check, params string[] args)
    {
        if (check)
        {
            return await ProcessRunner.RunAsync(KubectlFactAttribute.Path, ["--kubeconfig", _kubeconfig, .. args]);
        }

        // ProcessRunner returns only stdout; kubectl prints errors on stderr, so merge them here.
        var output = new StringBuilder();
        using var process = StartKubectl(output, args);
        await process.WaitForExitAsync();
        return Snapshot(output);
    }

    private Process StartKubectl(StringBuilder output, params string[] args)
    {
        var psi = new ProcessStartInfo(KubectlFactAttribute.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in (string[])["--kubeconfig", _kubeconfig, .. args])
        {
            psi.ArgumentList.Add(a);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("kubectl did not start");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private static bool Contains(StringBuilder output, string text) => Snapshot(output).Contains(text, StringComparison.Ordinal);

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }
}
