using System.Globalization;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A throw-away L2 network of network namespaces joined by one bridge, for tests that need a real
/// kernel on the wire. Everything it creates lives inside namespaces it names uniquely and removes
/// on dispose; nothing touches the root namespace. Addresses come only from 198.18.0.0/15 and
/// 2001:db8::/32.
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly string _prefix;
    private readonly string _bridgeNamespace;
    private static int s_labs;
    private int _hosts;

    private NetworkLab(string prefix)
    {
        _prefix = prefix;
        _bridgeNamespace = $"{prefix}-br";
    }

    /// <summary>The IPv4 subnet of the lab: 198.18.&lt;n&gt;.0/24, n chosen per lab so labs can coexist.</summary>
    public int Subnet { get; private init; }

    /// <summary>Whether this process may create namespaces (root with iproute2).</summary>
    public static bool IsSupported =>
        OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess && (File.Exists("/usr/bin/ip") || File.Exists("/sbin/ip"));

    /// <summary>
    /// Creates the bridge namespace of a new lab. Namespace names are <c>&lt;tag&gt;-&lt;pid&gt;-&lt;n&gt;-&lt;role&gt;</c>: unique
    /// on the machine, and traceable to the process that made them (see <see cref="RemoveOrphansAsync"/>).
    /// </summary>
    public static async Task<NetworkLab> CreateAsync(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var prefix = string.Create(CultureInfo.InvariantCulture, $"{tag}-{Environment.ProcessId}-{Interlocked.Increment(ref s_labs)}");
        var lab = new NetworkLab(prefix) { Subnet = Random.Shared.Next(1, 250) };
        await lab.AddNamespaceAsync(lab._bridgeNamespace);
        // Snooping off: without an MLD querier the bridge would otherwise decide on its own which ports
        // get solicited-node multicast, and Neighbor Solicitations could miss the host that must answer.
        await RunAsync(lab._bridgeNamespace, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        await RunAsync(lab._bridgeNamespace, "ip", "link", "set", "br0", "up");
        return lab;
    }

    /// <summary>
    /// Adds a host on the bridge with interface <c>eth0</c>, IPv4 198.18.&lt;subnet&gt;.&lt;host&gt;/24 and
    /// IPv6 2001:db8:&lt;subnet&gt;::&lt;host&gt;/64.
    /// </summary>
    public async Task<LabHost> AddHostAsync(string role)
    {
        var index = ++_hosts;
        var ns = $"{_prefix}-{role}";
        await AddNamespaceAsync(ns);
        var peer = $"v{index}";
        await RunAsync(_bridgeNamespace, "ip", "link", "add", peer, "type", "veth", "peer", "name", "eth0", "netns", ns);
        await RunAsync(_bridgeNamespace, "ip", "link", "set", peer, "master", "br0", "up");
        var v4 = $"198.18.{Subnet}.{index + 1}";
        var v6 = $"2001:db8:{Subnet:x}::{index + 1:x}";
        await RunAsync(ns, "ip", "addr", "add", $"{v4}/24", "dev", "eth0");
        await RunAsync(ns, "ip", "-6", "addr", "add", $"{v6}/64", "dev", "eth0", "nodad");
        await RunAsync(ns, "ip", "link", "set", "eth0", "up");
        var mac = (await RunAsync(ns, "cat", "/sys/class/net/eth0/address")).Trim();
        return new LabHost(this, ns, role, v4, v6, mac, peer);
    }

    /// <summary>The namespaces of this lab, bridge first.</summary>
    public IReadOnlyList<string> Namespaces => _namespaces;

    /// <summary>
    /// Removes the namespaces that labs tagged <paramref name="tag"/> left behind when their process
    /// was killed before it could clean up: those whose creating process no longer runs.
    /// </summary>
    /// <returns>The names removed.</returns>
    public static async Task<IReadOnlyList<string>> RemoveOrphansAsync(string tag)
    {
        var orphans = await FindOrphansAsync(tag);
        foreach (var name in orphans)
        {
            await ProcessRunner.RunAsync("ip", ["netns", "del", name], check: false);
        }

        return orphans;
    }

    /// <summary>The namespaces of labs tagged <paramref name="tag"/> whose creating process no longer runs.</summary>
    public static async Task<IReadOnlyList<string>> FindOrphansAsync(string tag)
    {
        var orphans = new List<string>();
        var listed = await ProcessRunner.RunAsync("ip", ["netns", "list"], check: false);
        foreach (var line in listed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var name = line.Split(' ')[0];
            var parts = name.Split('-');
            if (parts.Length >= 3 && parts[0] == tag && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
            {
                orphans.Add(name);
            }
        }

        return orphans;
    }

    /// <summary>Runs a command inside a namespace of this lab.</summary>
    public static Task<string> RunAsync(string ns, params string[] command) =>
        ProcessRunner.RunAsync("ip", ["netns", "exec", ns, .. command]);

    /// <summary>Sets the bridge-side end of a host's link up or down, as if its cable were pulled.</summary>
    public Task SetLinkAsync(LabHost host, bool up) =>
        RunAsync(_bridgeNamespace, "ip", "link", "set", host.BridgePort, up ? "up" : "down");

    private async Task AddNamespaceAsync(string ns)
    {
        await ProcessRunner.RunAsync("ip", ["netns", "add", ns]);
        _namespaces.Add(ns);
        await RunAsync(ns, "ip", "link", "set", "lo", "up");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            await ProcessRunner.RunAsync("ip", ["netns", "del", ns], check: false);
        }

        _namespaces.Clear();
    }
}
