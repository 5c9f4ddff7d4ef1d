using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.E2E;

/// <summary>
/// The system under test, shared by every end-to-end test: a lab started once (3 nodes, 2 controller
/// replicas with short Lease timings so leader failover is quick), or the cluster of
/// EDGELB_E2E_KUBECONFIG. Tests restore what they break; <see cref="HealAsync"/> repairs what a
/// failed test may have left broken.
/// </summary>
public sealed class E2EFixture : IAsyncLifetime
{
    private int _blocks;
    private int _nodePorts = 31000;

    /// <summary>The lab, or null against a real cluster.</summary>
    public LabCluster? Lab { get; private set; }

    public Kubectl Kubectl { get; private set; } = null!;

    public LabCluster RequireLab => Lab ?? throw new InvalidOperationException("this test needs the network-namespace lab");

    /// <summary>Where test pools take their addresses: the lab's subnet, or 198.18.250.0/24 on a cluster.</summary>
    public string Prefix4 => Lab is null ? "198.18.250" : $"198.18.{Lab.Network.Subnet}";

    public string Prefix6 => Lab is null ? "2001:db8:250" : $"2001:db8:{Lab.Network.Subnet:x}";

    public async Task InitializeAsync()
    {
        if (E2EEnvironment.SkipReason is not null)
        {
            return;
        }

        if (E2EEnvironment.ClusterKubeconfig is { } kubeconfig)
        {
            Kubectl = new Kubectl(kubeconfig);
            await Kubectl.ApplyAsync($"""
                apiVersion: edgelb.io/v1alpha1
                kind: IPAddressPool
                metadata: {"{"}name: {LabCluster.PoolName}, namespace: {LabCluster.SystemNamespace}{"}"}
                spec:
                  addresses: ["{Prefix4}.100-{Prefix4}.149", "{Prefix6}::100/124"]
                """);
            return;
        }

        Lab = await LabCluster.StartAsync(new LabClusterOptions
        {
            Edgelb = E2EEnvironment.Edgelb!,
            Tag = "el9e",
            // Kept after the run (LabCluster removes only directories it made), so failures can be read.
            WorkDirectory = Path.Combine(Path.GetTempPath(), $"edgelb-e2e-{Environment.ProcessId}"),
            Nodes = 3,
            Controllers = 2,
            LeaseDuration = TimeSpan.FromSeconds(8),
            RenewDeadline = TimeSpan.FromSeconds(6),
            RetryPeriod = TimeSpan.FromSeconds(2),
            // Failover speed is the benchmark's business; these tests check behaviour and must not flap
            // on a loaded 2-core machine (at load 24 the defaults, and even 100 ms / 500 ms, dropped
            // sessions every few seconds).
            Environment = LabClusterOptions.RelaxedSessionTimings,
        });
        Kubectl = Lab.Kubectl;
    }

    public async Task DisposeAsync()
    {
        if (Lab is not null)
        {
            await Lab.DisposeAsync();
        }
    }

    /// <summary>A /29 (v4, 8 addresses) of the test range no other test of this run uses: 198.18.x.152 upwards.</summary>
    public (string V4First, string V4Range) TakeBlock()
    {
        var first = 152 + (8 * Interlocked.Increment(ref _blocks));
        if (first + 7 > 254)
        {
            throw new InvalidOperationException("the end-to-end tests ran out of address blocks");
        }

        return ($"{Prefix4}.{first}", $"{Prefix4}.{first}-{Prefix4}.{first + 7}");
    }

    /// <summary>A name unique in this run, e.g. for Services and pools.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Creates a LoadBalancer Service (TCP, port → targetPort 8080) and waits for its ingress IPs.</summary>
    public Task<IReadOnlyList<string>> CreateServiceAsync(string name, int[] ports, string extraSpec = "", string annotations = "", int expectedIps = 1) =>
        ApplyServiceAsync(name, string.Join(", ", ports.Select(p => $"{{name: p{p}, port: {p}, targetPort: 8080}}")), extraSpec, annotations, expectedIps);

    /// <summary>
    /// Like <see cref="CreateServiceAsync"/>, with the lab's pods and NodePorts serving before the
    /// Service exists (its nodePorts chosen here), as for a Service put in front of a running
    /// Deployment: the scenarios that carry traffic test the data path, not backends that come up
    /// later (<see cref="TrafficTests.BackendsReadyAfterTheVipWasAssignedGetTraffic"/> does).
    /// </summary>
    public async Task<IReadOnlyList<string>> CreateServedServiceAsync(
        string name, int[] ports, string extraSpec = "", string annotations = "", bool local = false, IReadOnlyList<string>? endpointNodes = null)
    {
        var lab = RequireLab;
        var free = await FreeNodePortsAsync(ports.Length + (local ? 1 : 0));
        var served = ports.Select((p, i) => new LabServicePort($"p{p}", 8080, "TCP", free[i])).ToList();
        int? healthPort = local ? free[^1] : null;
        await lab.ServeAsync("default", name, served, local, healthPort, endpointNodes);
        var portList = string.Join(", ", served.Select((s, i) => Invariant($"{{name: {s.Name}, port: {ports[i]}, targetPort: 8080, nodePort: {s.NodePort}}}")));
        var spec = local ? Invariant($"  externalTrafficPolicy: Local\n  healthCheckNodePort: {healthPort}\n{extraSpec}") : extraSpec;
        return await ApplyServiceAsync(name, portList, spec, annotations, 1);
    }

    private async Task<IReadOnlyList<string>> ApplyServiceAsync(string name, string portList, string extraSpec, string annotations, int expectedIps)
    {
        await Kubectl.ApplyAsync($"""
            apiVersion: v1
            kind: Service
            metadata:
              name: {name}
              namespace: default
              annotations: {"{"}{annotations}{"}"}
            spec:
              type: LoadBalancer
              selector: {"{"}app: {name}{"}"}
              ports: [{portList}]
            {extraSpec}
            """);
        return await Kubectl.WaitForIngressAsync("default", name, TimeSpan.FromSeconds(60), expectedIps)
            ?? throw new TimeoutException($"Service {name} got no EXTERNAL-IP within 60 s");
    }

    /// <summary><paramref name="count"/> nodePorts no Service of the lab uses, from 31000 up (the API server allocates at random).</summary>
    private async Task<int[]> FreeNodePortsAsync(int count)
    {
        var services = JsonNode.Parse(await Kubectl.RunAsync("get", "svc", "-A", "-o", "json"))!["items"] as JsonArray ?? [];
        var used = new HashSet<int>();
        foreach (var spec in services.Select(s => s?["spec"]).OfType<JsonNode>())
        {
            used.UnionWith((spec["ports"] as JsonArray ?? []).Select(p => p?["nodePort"]?.GetValue<int>() ?? 0));
            used.Add(spec["healthCheckNodePort"]?.GetValue<int>() ?? 0);
        }

        var free = new int[count];
        for (var i = 0; i < count; i++)
        {
            int port;
            do
            {
                port = Interlocked.Increment(ref _nodePorts);
            }
            while (used.Contains(port));
            free[i] = port;
        }

        return free;
    }

    public async Task DeleteServiceAsync(string name)
    {
        await Kubectl.TryRunAsync("delete", "svc", name, "-n", "default", "--ignore-not-found", "--wait=false");
        await Kubectl.TryRunAsync("delete", "endpointslice", $"{name}-lab", "-n", "default", "--ignore-not-found", "--wait=false");
    }

    /// <summary>Warning Events of a Service in the default namespace.</summary>
    public async Task<IReadOnlyList<string>> WarningReasonsAsync(string service)
    {
        var events = JsonNode.Parse(await Kubectl.RunAsync("get", "events", "-n", "default", "-o", "json"))!["items"] as JsonArray ?? [];
        return [.. events.OfType<JsonObject>()
            .Where(e => e["involvedObject"]?["name"]?.GetValue<string>() == service && e["type"]?.GetValue<string>() == "Warning")
            .Select(e => e["reason"]?.GetValue<string>() ?? "")];
    }

    /// <summary>The node that received the client's connection: the forwarding node the backend saw, else the backend's own.</summary>
    public string? ServedBy(ProbeResult r) => RequireLab.NodeByAddress(r.Via)?.Name ?? r.Node;

    /// <summary>Probes until one succeeds (new connection each time); null after <paramref name="timeout"/>.</summary>
    public async Task<ProbeResult?> WaitForTrafficAsync(IPEndPoint vip, TimeSpan timeout, Func<ProbeResult, bool>? accept = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var r = await ClientProber.ProbeOnceAsync(RequireLab.ClientThread, vip, TimeSpan.FromSeconds(1));
            if (r.Succeeded && (accept?.Invoke(r) ?? true))
            {
                return r;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary><paramref name="count"/> probes in a row; returns them all.</summary>
    public async Task<IReadOnlyList<ProbeResult>> ProbeManyAsync(IPEndPoint vip, int count)
    {
        var results = new List<ProbeResult>();
        for (var i = 0; i < count; i++)
        {
            results.Add(await ClientProber.ProbeOnceAsync(RequireLab.ClientThread, vip, TimeSpan.FromSeconds(2)));
        }

        return results;
    }

    /// <summary>Brings the lab back to its healthy shape (see <see cref="LabCluster.HealAsync"/>); each data-plane test starts with it.</summary>
    public Task HealAsync() => RequireLab.HealAsync(TimeSpan.FromSeconds(60));

    /// <summary>The Service's announcing node as the controller recorded it (annotation), or null.</summary>
    public Task<string?> AnnouncingNodeAsync(string service) => Kubectl.AnnouncingNodeAsync("default", service);

    /// <summary>Waits (60 s) for the announcing-node annotation to name <paramref name="expected"/>; returns what it last said.</summary>
    public async Task<string?> WaitForAnnouncingNodeAsync(string service, string expected)
    {
        string? last = null;
        await Kubectl.WaitForAsync(async () => (last = await AnnouncingNodeAsync(service)) == expected ? last : null, TimeSpan.FromSeconds(60));
        return last;
    }

    /// <summary>
    /// The node that holds a new Service's VIP, once the announcing-node annotation names it and the
    /// traffic goes through it. Until then a probe may be served elsewhere: an address freed by an
    /// earlier Service leaves the client's neighbour entry at its old holder, which may stand by for
    /// the new Service (it binds the VIP, so it serves) until the new holder's announcement arrives.
    /// </summary>
    public async Task<LabNode> WaitForServingHolderAsync(string service, IPEndPoint vip, TimeSpan timeout)
    {
        var lab = RequireLab;
        var announcing = await Kubectl.WaitForAsync(() => AnnouncingNodeAsync(service), timeout)
            ?? throw new TimeoutException($"no announcing node for {service}");
        _ = await WaitForTrafficAsync(vip, timeout, r => ServedBy(r) == announcing)
            ?? throw new TimeoutException($"no traffic through {vip} via its announcing node {announcing}");
        return lab.Node(announcing);
    }

    public static IPEndPoint EndPoint(string ip, int port) => new(IPAddress.Parse(ip), port);

    public static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
