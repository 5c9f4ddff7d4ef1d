using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// EdgeLB's whole system on one machine: network namespaces on one L2 bridge (a client, a control
/// host and N nodes; 198.18.0.0/15 and 2001:db8::/32 only), the in-memory API server (in this
/// process, reachable on the control host's address through a relay), controller processes on the
/// control host, one speaker process and one stand-in kube-proxy per node. Node objects, an address
/// pool and an L2Advertisement are created through the API. Everything is removed on dispose,
/// including after a failure half-way through start-up.
/// </summary>
public sealed class LabCluster : IAsyncDisposable
{
    public const string SystemNamespace = "edgelb-system";
    public const string PoolName = "lab";
    public const int ApiPort = 6443;
    public const int SpeakerHttpPort = 7474;

    private readonly LabClusterOptions _options;
    private readonly List<NamespaceThread> _threads = [];
    private readonly List<LabProcess?> _controllers = [];
    private readonly List<NodePortBackend> _healthServers = [];
    private readonly bool _ownsWorkDirectory;
    private NetworkLab? _network;
    private InMemoryApiServer? _api;
    private LabListener? _relay;
    private NamespaceThread? _controlThread;

    private LabCluster(LabClusterOptions options, string workDirectory, bool ownsWorkDirectory)
    {
        _options = options;
        WorkDirectory = workDirectory;
        _ownsWorkDirectory = ownsWorkDirectory;
    }

    public string WorkDirectory { get; }

    public NetworkLab Network => _network!;

    public LabHost Client { get; private set; } = null!;

    public LabHost Control { get; private set; } = null!;

    /// <summary>A thread in the client namespace, for probes.</summary>
    public NamespaceThread ClientThread { get; private set; } = null!;

    public IReadOnlyList<LabNode> Nodes { get; private set; } = [];

    public InMemoryApiServer Api => _api!;

    /// <summary>kubectl against the API server (from the root namespace, over loopback).</summary>
    public Kubectl Kubectl { get; private set; } = null!;

    /// <summary>The kubeconfig the controllers use: the API server's address on the control host.</summary>
    public string ControlKubeconfig { get; private set; } = "";

    /// <summary>The coordinator addresses, one per controller replica, as the speakers' --controller takes them.</summary>
    public string CoordinatorAddresses => string.Join(',', Enumerable.Range(0, _options.Controllers).Select(CoordinatorAddress));

    /// <summary>Controller processes by replica index (null while one is stopped).</summary>
    public IReadOnlyList<LabProcess?> Controllers => _controllers;

    public bool SpeakersRunning => Nodes.Any(n => n.Speaker is { HasExited: false });

    /// <summary>The IPv4 and IPv6 ranges of the lab's default pool.</summary>
    public string PoolRange4 => $"198.18.{Network.Subnet}.100-198.18.{Network.Subnet}.149";

    public string PoolRange6 => $"2001:db8:{Network.Subnet:x}::100/124";

    /// <summary>Whether <paramref name="edgelb"/> has the subcommand <paramref name="command"/> (speaker, status, … join the build as they are assembled).</summary>
    public static async Task<bool> HasCommandAsync(string edgelb, string command)
    {
        try
        {
            // Help for an unknown command is the root's help, so look for the command's own usage line.
            var help = await ProcessRunner.RunAsync(edgelb, [command, "--help"], timeout: TimeSpan.FromSeconds(30));
            return help.Contains($"edgelb {command} ", StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Builds the lab and starts everything in it; on failure removes what it had made and rethrows.</summary>
    public static async Task<LabCluster> StartAsync(LabClusterOptions options, Action<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Nodes < 1 || options.Controllers < 1)
        {
            throw new ArgumentException("a lab needs at least one node and one controller", nameof(options));
        }
        var work = options.WorkDirectory ?? Path.Combine(Path.GetTempPath(), $"edgelb-lab-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(work);
        var lab = new LabCluster(options, work, options.WorkDirectory is null);
        try
        {
            await lab.BuildAsync(progress ?? (_ => { }), cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    public LabNode Node(string name) => Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"no lab node {name}", nameof(name));

    /// <summary>The node that owns <paramref name="address"/> (its IPv4 or IPv6), or null.</summary>
    public LabNode? NodeByAddress(IPAddress? address) =>
        address is null ? null : Nodes.FirstOrDefault(n => n.Host.IPv4 == address.ToString() || IPAddress.Parse(n.Host.IPv6).Equals(address));

    public string CoordinatorAddress(int replica) => $"{Control.IPv4}:{7473 + (10 * replica)}";

    /// <summary>Starts (or restarts) controller replica <paramref name="replica"/>.</summary>
    public void StartController(int replica)
    {
        var http = $"{Control.IPv4}:{7472 + (10 * replica)}";
        var env = new Dictionary<string, string>(_options.Environment, StringComparer.Ordinal)
        {
            ["EDGELB_LEASEDURATION"] = _options.LeaseDuration.ToString("c"),
            ["EDGELB_RENEWDEADLINE"] = _options.RenewDeadline.ToString("c"),
            ["EDGELB_RETRYPERIOD"] = _options.RetryPeriod.ToString("c"),
        };
        var process = LabProcess.Start(
            $"controller-{replica}", Control.Namespace, Path.Combine(WorkDirectory, $"controller-{replica}.log"), env,
            _options.Edgelb, "controller", "--kubeconfig", ControlKubeconfig, "--namespace", SystemNamespace,
            "--identity", $"controller-{replica}", "--http-listen", http, "--grpc-listen", CoordinatorAddress(replica),
            "--log-level", _options.LogLevel, "--log-timestamps");
        while (_controllers.Count <= replica)
        {
            _controllers.Add(null);
        }

        _controllers[replica] = process;
    }

    /// <summary>Stops controller replica <paramref name="replica"/> with <paramref name="signal"/> and waits for it to exit.</summary>
    public async Task StopControllerAsync(int replica, int signal)
    {
        if (_controllers[replica] is not { } process)
        {
            return;
        }

        process.Signal(signal);
        await process.WaitForExitAsync(TimeSpan.FromSeconds(20));
        await process.DisposeAsync();
        _controllers[replica] = null;
    }

    /// <summary>Whether the API server is reachable from the lab network (see <see cref="StopApiAsync"/>).</summary>
    public bool ApiReachable => _relay is not null;

    /// <summary>
    /// Takes the API server off the lab network, as if it had gone down: open connections (watches,
    /// requests) are cut and new ones refused. Its objects stay, so <see cref="StartApi"/> brings it
    /// back with its state, on the same address. <see cref="Kubectl"/> (over loopback) still works.
    /// </summary>
    public async Task StopApiAsync()
    {
        if (_relay is { } relay)
        {
            _relay = null;
            await relay.DisposeAsync();
        }
    }

    /// <summary>Puts the API server (back) on the control host's address; nothing if it is there.</summary>
    public void StartApi() =>
        _relay ??= NamespaceRelay.Start(_controlThread!, new IPEndPoint(IPAddress.Parse(Control.IPv4), ApiPort), new IPEndPoint(IPAddress.Loopback, _api!.BaseAddress.Port));

    /// <summary>The replica index holding the leader Lease, or null.</summary>
    public async Task<int?> LeaderAsync()
    {
        var lease = await Kubectl.GetAsync("lease", "edgelb-controller", SystemNamespace);
        var holder = lease?["spec"]?["holderIdentity"]?.GetValue<string>();
        return holder is not null && holder.StartsWith("controller-", StringComparison.Ordinal)
            && int.TryParse(holder["controller-".Length..], CultureInfo.InvariantCulture, out var replica) ? replica : null;
    }

    /// <summary>Starts (or restarts) the speaker of <paramref name="node"/>.</summary>
    public void StartSpeaker(LabNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Speaker is { HasExited: false })
        {
            throw new InvalidOperationException($"the speaker of {node.Name} is running");
        }

        node.Speaker = LabProcess.Start(
            $"speaker-{node.Name}", node.Host.Namespace, Path.Combine(WorkDirectory, $"speaker-{node.Name}.log"), _options.Environment,
            [_options.Edgelb, "speaker", "--node-name", node.Name, "--token-file", node.TokenPath, "--controller", CoordinatorAddresses,
             "--http-listen", $"0.0.0.0:{SpeakerHttpPort}", "--log-level", _options.LogLevel, "--log-timestamps", .. _options.SpeakerArguments]);
    }

    /// <summary>Whether the speaker of <paramref name="node"/> answers 200 on /readyz (a session with the leader).</summary>
    public async Task<bool> SpeakerReadyAsync(LabNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        try
        {
            var response = await LabHttp.GetAsync(ClientThread, new IPEndPoint(IPAddress.Parse(node.Host.IPv4), SpeakerHttpPort), "/readyz", TimeSpan.FromSeconds(2));
            return response.Status == 200;
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sets the bridge end of the node's link down or up, as if its cable were pulled.</summary>
    public Task SetLinkAsync(LabNode node, bool up) => Network.SetLinkAsync(node!.Host, up);

    /// <summary>Drops (or stops dropping) the node's traffic to the coordinator ports, with nftables inside the node's namespace only.</summary>
    public async Task BlockCoordinatorAsync(LabNode node, bool block)
    {
        ArgumentNullException.ThrowIfNull(node);
        var ports = string.Join(", ", Enumerable.Range(0, _options.Controllers).Select(r => 7473 + (10 * r)));
        var rules = block
            ? $$"""
                table inet edgelb_lab_partition {
                  chain out { type filter hook output priority 0; policy accept; ip daddr {{Control.IPv4}} tcp dport { {{ports}} } drop; }
                  chain in { type filter hook input priority 0; policy accept; ip saddr {{Control.IPv4}} tcp sport { {{ports}} } drop; }
                }
                """
            : "delete table inet edgelb_lab_partition\n";
        await ProcessRunner.RunAsync("ip", ["netns", "exec", node.Host.Namespace, "nft", "-f", "-"], stdin: rules);
        node.Partitioned = block;
    }

    /// <summary>
    /// Brings the lab back to its healthy shape after faults: the API server reachable, links up, no
    /// partition, every controller replica and every speaker running, and every speaker ready within <paramref name="timeout"/>.
    /// </summary>
    public async Task HealAsync(TimeSpan timeout)
    {
        StartApi();
        for (var r = 0; r < Controllers.Count; r++)
        {
            if (Controllers[r] is null or { HasExited: true })
            {
                StartController(r);
            }
        }

        foreach (var node in Nodes)
        {
            await SetLinkAsync(node, up: true);
            if (node.Partitioned)
            {
                await BlockCoordinatorAsync(node, block: false);
            }

            if (node.Speaker is null or { HasExited: true })
            {
                StartSpeaker(node);
            }
        }

        var deadline = DateTime.UtcNow + timeout;
        foreach (var node in Nodes)
        {
            while (!await SpeakerReadyAsync(node))
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"the speaker of {node.Name} is not ready after {timeout.TotalSeconds:F0} s:\n{node.Speaker?.Tail()}");
                }

                await Task.Delay(250);
            }
        }
    }

    /// <summary>
    /// Gives the Service the lab's stand-ins for its pods and kube-proxy: an EndpointSlice with one
    /// ready endpoint on each of <paramref name="endpointNodes"/> (default: every node), a backend on
    /// every nodePort (for externalTrafficPolicy Local only on nodes with endpoints, as kube-proxy
    /// does), and a /healthz server on healthCheckNodePort.
    /// </summary>
    public async Task ServeAsync(string ns, string name, IReadOnlyList<string>? endpointNodes = null)
    {
        var svc = await Kubectl.GetAsync("svc", name, ns) ?? throw new InvalidOperationException($"Service {ns}/{name} does not exist");
        var spec = svc["spec"]!;
        var local = spec["externalTrafficPolicy"]?.GetValue<string>() == "Local";
        var ports = (spec["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(port => new LabServicePort(
                port["name"]?.GetValue<string>() ?? "",
                port["targetPort"]?.ToString() is { } t && int.TryParse(t, CultureInfo.InvariantCulture, out var tp) ? tp : port["port"]!.GetValue<int>(),
                port["protocol"]?.GetValue<string>() ?? "TCP",
                port["nodePort"]?.GetValue<int>() ?? 0))
            .ToList();
        await ServeAsync(ns, name, ports, local, spec["healthCheckNodePort"]?.GetValue<int>(), endpointNodes);
    }

    /// <summary>
    /// Like <see cref="ServeAsync(string, string, IReadOnlyList{string}?)"/> for a Service that need not
    /// exist yet, with its nodePorts chosen by the caller: pods that are ready, and kube-proxy rules
    /// that answer, before the Service gets its external IP.
    /// </summary>
    public async Task ServeAsync(string ns, string name, IReadOnlyList<LabServicePort> ports, bool local, int? healthCheckNodePort, IReadOnlyList<string>? endpointNodes = null)
    {
        ArgumentNullException.ThrowIfNull(ports);
        var withEndpoints = endpointNodes ?? [.. Nodes.Select(n => n.Name)];
        var slice = new StringBuilder($"""
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: {name}-lab
              namespace: {ns}
              labels: {"{"}kubernetes.io/service-name: {name}{"}"}
            addressType: IPv4
            ports:
            """);
        slice.Append('\n');
        foreach (var port in ports)
        {
            slice.Append(CultureInfo.InvariantCulture, $"- name: \"{port.Name}\"\n  port: {port.TargetPort}\n  protocol: {port.Protocol}\n");
        }

        slice.Append("endpoints:\n");
        foreach (var (node, i) in Nodes.Select((n, i) => (n, i)).Where(x => withEndpoints.Contains(x.n.Name, StringComparer.Ordinal)))
        {
            // Pod addresses are never dialled in the lab (the NodePort stand-in answers), but must be valid.
            slice.Append(CultureInfo.InvariantCulture, $"- addresses: [\"198.19.{Network.Subnet}.{10 + i}\"]\n  nodeName: {node.Name}\n  conditions: {{ready: true, serving: true, terminating: false}}\n");
        }

        await Kubectl.ApplyAsync(slice.ToString());
        foreach (var node in Nodes)
        {
            foreach (var port in ports)
            {
                if (port.NodePort > 0 && !node.Backends.ContainsKey(port.NodePort) && (!local || withEndpoints.Contains(node.Name, StringComparer.Ordinal)))
                {
                    node.Backends[port.NodePort] = NodePortBackend.ServeNodeName(node.Thread, port.NodePort, node.Name);
                }
            }

            if (healthCheckNodePort is { } healthPort && !node.Backends.ContainsKey(healthPort))
            {
                var count = withEndpoints.Contains(node.Name, StringComparer.Ordinal) ? 1 : 0;
                node.Backends[healthPort] = NodePortBackend.ServeHealth(node.Thread, healthPort, ns, name, () => count);
            }
        }
    }

    /// <summary>The Service's nodePort for <paramref name="port"/>.</summary>
    public async Task<int> NodePortAsync(string ns, string name, int port)
    {
        var svc = await Kubectl.GetAsync("svc", name, ns) ?? throw new InvalidOperationException($"Service {ns}/{name} does not exist");
        return (svc["spec"]!["ports"] as JsonArray ?? []).OfType<JsonObject>()
            .Where(p => p["port"]!.GetValue<int>() == port).Select(p => p["nodePort"]!.GetValue<int>()).First();
    }

    public async ValueTask DisposeAsync()
    {
        var stopping = new List<Task>();
        foreach (var node in Nodes)
        {
            if (node.Speaker is { } speaker)
            {
                // SIGKILL: tearing down, there is no one to hand over to.
                speaker.Signal(LabProcess.SigKill);
                stopping.Add(speaker.DisposeAsync().AsTask());
            }
        }

        stopping.AddRange(_controllers.OfType<LabProcess>().Select(c => c.DisposeAsync().AsTask()));
        await Task.WhenAll(stopping);
        foreach (var node in Nodes)
        {
            foreach (var backend in node.Backends.Values)
            {
                await backend.DisposeAsync();
            }

            node.Backends.Clear();
        }

        foreach (var health in _healthServers)
        {
            await health.DisposeAsync();
        }

        if (_relay is not null)
        {
            await _relay.DisposeAsync();
        }

        if (_api is not null)
        {
            await _api.DisposeAsync();
        }

        foreach (var thread in _threads)
        {
            thread.Dispose();
        }

        if (_network is not null)
        {
            await _network.DisposeAsync();
        }

        if (_ownsWorkDirectory)
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Logs left behind in /tmp are harmless.
            }
        }
    }

    private NamespaceThread Thread(LabHost host)
    {
        var thread = host.EnterThread();
        _threads.Add(thread);
        return thread;
    }

    private async Task BuildAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var sweep = await LabLeftovers.SweepAsync(_options.Tag);
        if (!sweep.IsEmpty)
        {
            progress($"removing what earlier runs left behind ({sweep.Processes.Count} processes, {sweep.Namespaces.Count} namespaces)");
            foreach (var line in sweep.Lines())
            {
                progress($"  {line}");
            }
        }

        progress($"creating network namespaces ({_options.Tag}-{Environment.ProcessId}-*): a bridge, a client, a control host and {_options.Nodes} nodes");
        _network = await NetworkLab.CreateAsync(_options.Tag);
        Client = await _network.AddHostAsync("client");
        Control = await _network.AddHostAsync("control");
        var nodes = new List<LabNode>();
        for (var i = 1; i <= _options.Nodes; i++)
        {
            var host = await _network.AddHostAsync($"node{i}");
            // Forwarded traffic and replies to a VIP the node does not own must not be dropped by rp_filter.
            await host.SysctlAsync("net.ipv4.conf.all.rp_filter", "0");
            nodes.Add(new LabNode($"node-{i}", host, Thread(host), Path.Combine(WorkDirectory, $"node-{i}.token")));
        }

        Nodes = nodes;
        ClientThread = Thread(Client);
        cancellationToken.ThrowIfCancellationRequested();

        progress("starting the in-memory Kubernetes API server");
        _api = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) }, cancellationToken);
        Kubectl = new Kubectl(_api.WriteKubeconfig(Path.Combine(WorkDirectory, "kubeconfig")));
        _controlThread = Thread(Control);
        StartApi();
        ControlKubeconfig = WriteTokenKubeconfig("controller", _api.IssueToken("edgelb-controller", SystemNamespace));

        progress("creating Nodes, an IPAddressPool and an L2Advertisement through the API");
        await Kubectl.ApplyAsync(NodesAndPoolManifest());
        foreach (var node in Nodes)
        {
            var status = new JsonObject
            {
                ["status"] = new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "lab node" }),
                    ["addresses"] = new JsonArray(
                        new JsonObject { ["type"] = "InternalIP", ["address"] = node.Host.IPv4 },
                        new JsonObject { ["type"] = "InternalIP", ["address"] = node.Host.IPv6 },
                        new JsonObject { ["type"] = "Hostname", ["address"] = node.Name }),
                },
            };
            await Kubectl.RunAsync("patch", "node", node.Name, "--subresource=status", "--type=merge", "-p", status.ToJsonString());
            await File.WriteAllTextAsync(node.TokenPath, _api.IssueToken("edgelb-speaker", SystemNamespace, "edgelb", $"edgelb-speaker-{node.Name}", node.Name), cancellationToken);
        }

        progress($"starting {_options.Controllers} controller(s) on the control host ({Control.IPv4})");
        for (var r = 0; r < _options.Controllers; r++)
        {
            StartController(r);
        }

        if (_options.Speakers && await HasCommandAsync(_options.Edgelb, "speaker"))
        {
            // As in a cluster, where the speaker DaemonSet usually finds its controller Service up.
            progress("waiting for a controller to be ready (leader with its coordinator)");
            await WaitForControllerReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
            progress($"starting a speaker on each node ({string.Join(", ", Nodes.Select(n => $"{n.Name} {n.Host.IPv4}"))})");
            foreach (var node in Nodes)
            {
                StartSpeaker(node);
            }
        }
    }

    /// <summary>Waits until some controller replica answers 200 on /readyz.</summary>
    public async Task WaitForControllerReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            for (var r = 0; r < _controllers.Count; r++)
            {
                try
                {
                    var endpoint = new IPEndPoint(IPAddress.Parse(Control.IPv4), 7472 + (10 * r));
                    if ((await LabHttp.GetAsync(ClientThread, endpoint, "/readyz", TimeSpan.FromSeconds(2), cancellationToken)).Status == 200)
                    {
                        return;
                    }
                }
                catch (Exception ex) when (ex is System.Net.Sockets.SocketException or TimeoutException)
                {
                    // Not listening yet.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no controller became ready within {timeout.TotalSeconds:F0} s:\n{_controllers[0]?.Tail()}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private string WriteTokenKubeconfig(string user, string token)
    {
        var path = Path.Combine(WorkDirectory, $"{user}.kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: lab
              cluster: {"{"}server: "http://{Control.IPv4}:{ApiPort}"{"}"}
            contexts:
            - name: lab
              context: {"{"}cluster: lab, user: {user}{"}"}
            current-context: lab
            users:
            - name: {user}
              user: {"{"}token: {token}{"}"}

            """);
        return path;
    }

    private string NodesAndPoolManifest()
    {
        var yaml = new StringBuilder($"""
            apiVersion: v1
            kind: Namespace
            metadata: {"{"}name: {SystemNamespace}{"}"}
            ---
            apiVersion: edgelb.io/v1alpha1
            kind: IPAddressPool
            metadata: {"{"}name: {PoolName}, namespace: {SystemNamespace}{"}"}
            spec:
              addresses: ["{PoolRange4}", "{PoolRange6}"]
            ---
            apiVersion: edgelb.io/v1alpha1
            kind: L2Advertisement
            metadata: {"{"}name: {PoolName}, namespace: {SystemNamespace}{"}"}
            spec:
              ipAddressPools: [{PoolName}]

            """);
        foreach (var node in Nodes)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: v1
                kind: Node
                metadata:
                  name: {node.Name}
                  labels: {"{"}kubernetes.io/hostname: {node.Name}, kubernetes.io/os: linux{"}"}

                """);
        }

        return yaml.ToString();
    }
}
