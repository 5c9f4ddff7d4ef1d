using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Speaker.Tests.Forwarding;

/// <summary>
/// The forwarding lab, shared by the tests of one collection: a client, a forwarder and three
/// backend namespaces on one bridge. Backends run in-process with sockets created in their
/// namespaces; the forwarder under test runs in-process too, its sockets created on a thread that
/// entered the forwarder namespace, and its ip/nft/sysctl commands run under <c>ip netns exec</c>.
/// The client routes the VIPs via the forwarder (the announcer's ARP is another component's job).
/// </summary>
public sealed class ForwardingLab : IAsyncLifetime
{
    private readonly List<NamespaceThread> _threads = [];
    private NetworkLab? _lab;

    internal LabHost Client { get; private set; } = null!;

    internal LabHost Forwarder { get; private set; } = null!;

    internal IReadOnlyList<LabHost> BackendHosts { get; private set; } = [];

    internal IReadOnlyList<TestBackend> Backends { get; private set; } = [];

    internal IReadOnlyList<TestBackend> Backends6 { get; private set; } = [];

    internal ISocketFactory ClientSockets { get; private set; } = null!;

    internal ISocketFactory ForwarderSockets { get; private set; } = null!;

    /// <summary>A thread inside the forwarder namespace, where its netlink sockets are opened.</summary>
    internal NamespaceThread ForwarderThread { get; private set; } = null!;

    internal IPAddress Vip4 { get; private set; } = IPAddress.None;

    internal IPAddress Vip6 { get; private set; } = IPAddress.IPv6None;

    /// <summary>A second client address, to tell clients apart for affinity.</summary>
    internal IPAddress Client4b { get; private set; } = IPAddress.None;

    internal ICommandRunner ForwarderCommands { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!NetworkLab.IsSupported)
        {
            return;
        }

        _lab = await NetworkLab.CreateAsync("fwd");
        Client = await _lab.AddHostAsync("cli");
        Forwarder = await _lab.AddHostAsync("fwd");
        var hosts = new List<LabHost>();
        for (var i = 1; i <= 3; i++)
        {
            hosts.Add(await _lab.AddHostAsync($"b{i}"));
        }

        BackendHosts = hosts;
        Vip4 = IPAddress.Parse($"198.18.{_lab.Subnet}.200");
        Vip6 = IPAddress.Parse($"2001:db8:{_lab.Subnet:x}::200");
        Client4b = IPAddress.Parse($"198.18.{_lab.Subnet}.250");
        await Client.RunAsync("ip", "route", "add", $"{Vip4}/32", "via", Forwarder.IPv4);
        await Client.RunAsync("ip", "-6", "route", "add", $"{Vip6}/128", "via", Forwarder.IPv6);
        await Client.RunAsync("ip", "addr", "add", $"{Client4b}/24", "dev", "eth0");

        ClientSockets = new NamespaceSocketFactory(Thread(Client.Namespace));
        ForwarderThread = Thread(Forwarder.Namespace);
        ForwarderSockets = new NamespaceSocketFactory(ForwarderThread);
        ForwarderCommands = new ProcessCommandRunner(["ip", "netns", "exec", Forwarder.Namespace]);
        var v4 = new List<TestBackend>();
        var v6 = new List<TestBackend>();
        foreach (var h in hosts)
        {
            var sockets = new NamespaceSocketFactory(Thread(h.Namespace));
            var b4 = new TestBackend(h.Role, IPAddress.Parse(h.IPv4), sockets);
            var b6 = new TestBackend(h.Role + "-v6", IPAddress.Parse(h.IPv6), sockets);
            b4.Start();
            b6.Start();
            v4.Add(b4);
            v6.Add(b6);
        }

        Backends = v4;
        Backends6 = v6;
    }

    public async Task DisposeAsync()
    {
        foreach (var b in Backends.Concat(Backends6))
        {
            b.Dispose();
        }

        foreach (var t in _threads)
        {
            t.Dispose();
        }

        if (_lab is not null)
        {
            await _lab.DisposeAsync();
        }
    }

    /// <summary>Makes sure every backend runs and answers 200 on /healthz (tests stop some).</summary>
    internal void ResetBackends()
    {
        foreach (var b in Backends.Concat(Backends6))
        {
            b.HealthStatus = 200;
            if (!b.Running)
            {
                b.Start();
            }
        }
    }

    internal Backend[] BackendList(int port, bool ipv6 = false) =>
        [.. BackendHosts.Select(h => new Backend(new IPEndPoint(IPAddress.Parse(ipv6 ? h.IPv6 : h.IPv4), port)))];

    internal LabForwarder CreateForwarder(DataPlaneKind kind, HealthCheckOptions? health = null, ForwardingOptions? options = null)
    {
        options ??= new ForwardingOptions { DataPlane = kind };
        var metrics = new ForwardingMetrics();
        var checker = new HealthChecker(health ?? new HealthCheckOptions(), new SocketHealthProbe(ForwarderSockets), TimeProvider.System, null, metrics);
        IDataPlane plane = kind == DataPlaneKind.Userspace
            ? new UserspaceDataPlane(options, ForwarderSockets, TimeProvider.System, metrics)
            : new NftablesDataPlane(ForwarderCommands, options);
        var service = new ForwardingService(plane, new DummyInterfaceVipBinder(ForwarderCommands, options, () => ForwarderThread.Invoke(InterfaceAddressEditor.Open)), checker);
        return new LabForwarder(service, checker, plane, metrics);
    }

    /// <summary>One HTTP request through <paramref name="vip"/>; returns the answering backend's name.</summary>
    internal async Task<string> GetNameAsync(IPAddress vip, int port = 80, IPAddress? source = null, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        using var s = ClientSockets.Create(vip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (source is not null)
        {
            s.Bind(new IPEndPoint(source, 0));
        }

        await s.ConnectAsync(new IPEndPoint(vip, port), cts.Token);
        await s.SendAsync("GET / HTTP/1.0\r\nHost: vip\r\n\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
        var response = await ReadToEndAsync(s, cts.Token);
        var text = Encoding.ASCII.GetString(response);
        var body = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (!text.StartsWith("HTTP/1.1 200", StringComparison.Ordinal) || body < 0)
        {
            throw new InvalidOperationException($"bad response '{text}'");
        }

        return text[(body + 4)..];
    }

    /// <summary>One UDP exchange from a fresh client socket (a new flow); returns the backend's name.</summary>
    internal async Task<string> UdpNameAsync(IPAddress vip, int port, Socket? socket = null)
    {
        var own = socket is null;
        socket ??= ClientSockets.Create(vip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (own)
            {
                socket.Connect(new IPEndPoint(vip, port));
            }

            var buffer = new byte[256];
            for (var attempt = 0; attempt < 3; attempt++)
            {
                await socket.SendAsync("who"u8.ToArray(), SocketFlags.None);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
                    return Encoding.ASCII.GetString(buffer, 0, n);
                }
                catch (OperationCanceledException)
                {
                }
            }

            throw new TimeoutException($"no UDP answer from {vip}:{port}");
        }
        finally
        {
            if (own)
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="count"/> UDP flows and counts the answering backends. The client
    /// sockets stay open until all flows ran, so no two flows share a source port.
    /// </summary>
    internal async Task<Dictionary<string, int>> UdpFlowsAsync(IPAddress vip, int port, int count)
    {
        var clients = new List<Socket>();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var c = ClientSockets.Create(vip.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                clients.Add(c);
                c.Connect(new IPEndPoint(vip, port));
                var name = await UdpNameAsync(vip, port, c);
                counts[name] = counts.GetValueOrDefault(name) + 1;
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        return counts;
    }

    internal static async Task<byte[]> ReadToEndAsync(Socket s, CancellationToken cancellationToken)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return ms.ToArray();
            }

            ms.Write(buffer, 0, n);
        }
    }

    private NamespaceThread Thread(string ns)
    {
        var t = new NamespaceThread(ns);
        _threads.Add(t);
        return t;
    }
}

/// <summary>A forwarder under test and the parts tests inspect.</summary>
internal sealed class LabForwarder(ForwardingService service, HealthChecker health, IDataPlane plane, ForwardingMetrics metrics) : IAsyncDisposable
{
    public ForwardingService Service { get; } = service;

    public HealthChecker Health { get; } = health;

    public IDataPlane Plane { get; } = plane;

    public async ValueTask DisposeAsync()
    {
        await Service.DisposeAsync();
        Health.Dispose();
        metrics.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ForwardingLabGroup : ICollectionFixture<ForwardingLab>
{
    public const string Name = "forwarding lab";
}
