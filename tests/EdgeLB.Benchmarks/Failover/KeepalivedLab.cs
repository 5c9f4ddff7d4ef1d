using System.Globalization;
using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Failover;

/// <summary>
/// The baseline: keepalived (VRRP) between the nodes of a lab like EdgeLB's, holding one VIP on the
/// nodes' eth0, each node answering HTTP on port 80 with its name. Same bridge, same client, same
/// probe as the EdgeLB trials.
/// </summary>
internal sealed class KeepalivedLab : IAsyncDisposable
{
    private readonly NetworkLab _network;
    private readonly List<NamespaceThread> _threads = [];
    private readonly List<NodePortBackend> _backends = [];
    private readonly string _work;
    private LabProcess?[] _daemons;

    private KeepalivedLab(NetworkLab network, string work, LabHost client, IReadOnlyList<LabHost> nodes)
    {
        _network = network;
        _work = work;
        Client = client;
        Nodes = nodes;
        _daemons = new LabProcess?[nodes.Count];
        Vip = IPAddress.Parse($"198.18.{network.Subnet}.200");
    }

    public LabHost Client { get; }

    public IReadOnlyList<LabHost> Nodes { get; }

    public IPAddress Vip { get; }

    public NamespaceThread ClientThread { get; private set; } = null!;

    public static async Task<KeepalivedLab> CreateAsync(int nodes, string work)
    {
        Directory.CreateDirectory(work);
        var network = await NetworkLab.CreateAsync("el9");
        try
        {
            var client = await network.AddHostAsync("client");
            var hosts = new List<LabHost>();
            for (var i = 1; i <= nodes; i++)
            {
                hosts.Add(await network.AddHostAsync($"node{i}"));
            }

            var lab = new KeepalivedLab(network, work, client, hosts);
            lab.ClientThread = lab.Thread(client);
            foreach (var (host, i) in hosts.Select((h, i) => (h, i)))
            {
                lab._backends.Add(NodePortBackend.ServeNodeName(lab.Thread(host), 80, $"node-{i + 1}"));
            }

            return lab;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    public LabProcess? Daemon(string node) => _daemons[NodeIndex(node)];

    public LabHost Host(string node) => Nodes[NodeIndex(node)];

    /// <summary>Starts keepalived on every node with <paramref name="advertInterval"/> seconds between adverts.</summary>
    public void Start(double advertInterval)
    {
        for (var i = 0; i < Nodes.Count; i++)
        {
            var conf = Path.Combine(_work, $"keepalived-{i + 1}.conf");
            var advert = advertInterval.ToString(CultureInfo.InvariantCulture);
            // VRRPv3 for sub-second adverts (v2 counts whole seconds); the default install is v2 at 1 s.
            var version = advertInterval < 1 ? "3" : "2";
            File.WriteAllText(conf, $$"""
                global_defs {
                  router_id node-{{i + 1}}
                  vrrp_version {{version}}
                  enable_script_security
                }
                vrrp_instance lab {
                  state BACKUP
                  interface eth0
                  virtual_router_id 51
                  priority {{150 - (i * 25)}}
                  advert_int {{advert}}
                  virtual_ipaddress {
                    {{Vip}}/24 dev eth0
                  }
                }

                """);
            _daemons[i] = LabProcess.Start(
                $"keepalived-{i + 1}", Nodes[i].Namespace, Path.Combine(_work, $"keepalived-{i + 1}.log"), null,
                "keepalived", "--dont-fork", "--log-console", "--vrrp", "--use-file", conf,
                "--pid", Path.Combine(_work, $"keepalived-{i + 1}.pid"),
                "--vrrp_pid", Path.Combine(_work, $"keepalived-{i + 1}-vrrp.pid"),
                "--checkers_pid", Path.Combine(_work, $"keepalived-{i + 1}-checkers.pid"));
        }
    }

    /// <summary>Stops every daemon, removes any VIP they left behind, links up, and the client forgets the VIP's MAC.</summary>
    public async Task ResetAsync()
    {
        for (var i = 0; i < _daemons.Length; i++)
        {
            if (_daemons[i] is { } daemon)
            {
                daemon.SignalTree(LabProcess.SigKill);
                await daemon.WaitForExitAsync(TimeSpan.FromSeconds(10));
                await daemon.DisposeAsync();
                _daemons[i] = null;
            }

            await _network.SetLinkAsync(Nodes[i], up: true);
            await Nodes[i].RunAsync("ip", "addr", "flush", "dev", "eth0", "to", $"{Vip}/32");
        }

        await Client.RunAsync("ip", "neigh", "flush", "dev", "eth0");
        // A killed keepalived leaves its pid files; a new one would take them for a running daemon.
        foreach (var pidFile in Directory.GetFiles(_work, "*.pid"))
        {
            File.Delete(pidFile);
        }
    }

    public Task SetLinkAsync(string node, bool up) => _network.SetLinkAsync(Host(node), up);

    /// <summary>Waits until <paramref name="count"/> probes in a row are answered by the same node; returns it, or null.</summary>
    public async Task<string?> WaitForStableHolderAsync(TimeSpan timeout, int count = 20)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? holder = null;
        var streak = 0;
        var target = new IPEndPoint(Vip, 80);
        while (DateTime.UtcNow < deadline)
        {
            var r = await ClientProber.ProbeOnceAsync(ClientThread, target, TimeSpan.FromMilliseconds(500));
            streak = r.Succeeded && r.Node == holder ? streak + 1 : r.Succeeded ? 1 : 0;
            holder = r.Node;
            if (streak >= count)
            {
                return holder;
            }

            await Task.Delay(20);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await ResetAsync();
        foreach (var backend in _backends)
        {
            await backend.DisposeAsync();
        }

        foreach (var thread in _threads)
        {
            thread.Dispose();
        }

        await _network.DisposeAsync();
    }

    private static int NodeIndex(string node) => int.Parse(node["node-".Length..], CultureInfo.InvariantCulture) - 1;

    private NamespaceThread Thread(LabHost host)
    {
        var thread = host.EnterThread();
        _threads.Add(thread);
        return thread;
    }
}
