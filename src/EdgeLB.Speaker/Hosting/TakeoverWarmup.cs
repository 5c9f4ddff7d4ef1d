using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Ip;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;
using EdgeLB.Speaker.Session;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Speaker.Hosting;

/// <summary>
/// Runs a whole takeover once at start-up (standby, Assignment, renewal, update, Revoke, for IPv4
/// and IPv6) through a throwaway assignment table and announcer whose interface sends nothing and
/// whose forwarder forwards nothing. A first takeover pays first-use costs: type initializers,
/// lazily built state, code pages read in, and in a JIT build (EDGELB_AOT=0) compilation: the
/// ReadyToRun speaker's first real takeover still compiled about 50 methods, 30-35 ms of a failover
/// budget of tens of milliseconds. Paid here, they are behind us when a VIP arrives.
/// </summary>
internal static class TakeoverWarmup
{
    private const string Link = "warmup0";

    /// <summary>
    /// Runs the takeover path, and with <paramref name="userspaceForwarding"/> one proxied connection;
    /// returns how many methods it compiled and how long it took.
    /// </summary>
    public static async Task<(long Compiled, TimeSpan Took)> RunAsync(SessionOptions options, TimeProvider time, bool userspaceForwarding = false)
    {
        var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        var started = time.GetTimestamp();
        var inventory = new NodeInventory(options, () => [new LinkInterface(Link, 1, DiscardLinkPort.Address, true, true, LinkOperationalState.Up, [])]);
        using (var announcer = new Announcer(new DiscardLinks(), new AnnouncerOptions(), time, NullLogger.Instance))
        using (var table = new AssignmentTable(announcer, new NoForwarding(), inventory, time, NullLogger.Instance, TimeSpan.Zero))
        {
            // Addresses from the benchmarking and documentation ranges; nothing leaves the process.
            foreach (var (vip, family) in new[] { ("198.18.255.254", AddressFamily.Ipv4), ("2001:db8:ffff::fe", AddressFamily.Ipv6) })
            {
                await TakeOverAsync(table, Assignment(vip, family), time);
            }
        }

        if (userspaceForwarding)
        {
            await ProxyOnceAsync(time);
        }

        return (System.Runtime.JitInfo.GetCompiledMethodCount() - compiled, time.GetElapsedTime(started));
    }

    private static async Task TakeOverAsync(AssignmentTable table, Assignment assignment, TimeProvider time)
    {
        var lease = TimeSpan.FromSeconds(10);
        var next = assignment.Clone();
        next.Epoch = 0;
        Check(await table.StandByAsync(new Standby { Next = next }, CancellationToken.None), "standby", assignment);
        table.Expect(assignment, lease);
        Check(await table.AssignAsync(assignment, lease, CancellationToken.None), "assignment", assignment);
        table.Renew([new LeaseRenewal { Address = assignment.Address, Epoch = assignment.Epoch }], lease, time.GetUtcNow());
        Check(table.Announced().Count == 1, "announcing", assignment);
        assignment.Ports[0].Backends.RemoveAt(1);
        Check(await table.AssignAsync(assignment, lease, CancellationToken.None), "update", assignment);
        Check(await table.RevokeAsync(new Revoke { Address = assignment.Address, Epoch = assignment.Epoch, Reason = "warm-up" }, CancellationToken.None), "revoke", assignment);
        Check(table.Announced().Count == 0, "silence", assignment);
    }

    /// <summary>A step that did nothing would leave its code cold: say so instead of warming half the path.</summary>
    private static void Check(bool done, string step, Assignment assignment)
    {
        if (!done)
        {
            throw new InvalidOperationException($"the warm-up {step} of {assignment.Address} was refused");
        }
    }

    /// <summary>
    /// One connection through the userspace data plane on loopback, to a listener of our own: the
    /// first client of a new holder would otherwise wait for the proxy's accept, connect and copy
    /// paths to be compiled (measured: a takeover's claim went out 40 ms after a speaker was killed,
    /// traffic flowed 120 ms later). Loopback is always local, so no address is bound anywhere.
    /// </summary>
    private static async Task ProxyOnceAsync(TimeProvider time)
    {
        using var backend = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        backend.Listen(1);
        var vip = new VipPort(IPAddress.Loopback, FreeLoopbackPort(), ForwardProtocol.Tcp);
        using var health = new HealthChecker(new HealthCheckOptions(), new SocketHealthProbe(DefaultSocketFactory.Instance), time, NullLogger<HealthChecker>.Instance);
        await using var plane = new UserspaceDataPlane(new ForwardingOptions(), DefaultSocketFactory.Instance, time);
        await using var forwarder = new ForwardingService(plane, new NoBinding(), health, time);
        await forwarder.SetBackendsAsync(vip, [new Forwarding.Backend((IPEndPoint)backend.LocalEndPoint!)], ServiceForwardingOptions.Default, CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var serving = EchoAsync(backend, timeout.Token); // health checks connect too: echo on every connection
        try
        {
            using var client = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, vip.Port), timeout.Token);
            var message = "warm-up"u8.ToArray();
            await client.SendAsync(message, timeout.Token);
            var buffer = new byte[16];
            Check(await client.ReceiveAsync(buffer, timeout.Token) == message.Length, "proxied connection", Assignment("127.0.0.1", AddressFamily.Ipv4));
        }
        finally
        {
            await timeout.CancelAsync();
            await serving;
            await forwarder.ClearAsync(vip, CancellationToken.None);
        }
    }

    private static async Task EchoAsync(System.Net.Sockets.Socket listener, CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var accepted = await listener.AcceptAsync(cancellationToken);
                connections.Add(Task.Run(
                    async () =>
                    {
                        using var connection = accepted;
                        var buffer = new byte[16];
                        try
                        {
                            var read = await connection.ReceiveAsync(buffer, cancellationToken);
                            await connection.SendAsync(buffer.AsMemory(0, read), cancellationToken);
                        }
                        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
                        {
                            // A health check closes without sending.
                        }
                    },
                    CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
        {
        }

        await Task.WhenAll(connections);
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static Assignment Assignment(string vip, AddressFamily family)
    {
        var port = new ServicePort { Name = "warm-up", Protocol = Protocol.Tcp, Port = 80, NodePort = 30080 };
        foreach (var node in new[] { "198.18.255.1", "198.18.255.2" })
        {
            port.Backends.Add(new Rpc.Contract.V1.Backend { Node = node, Address = node, Port = 30080, Weight = 1 });
        }

        return new Assignment
        {
            Address = vip,
            Family = family,
            Interface = Link,
            Epoch = 1,
            LeaseDuration = Duration.FromTimeSpan(TimeSpan.FromSeconds(10)),
            Services = { "edgelb-system/warm-up" },
            Ports = { port },
            ExternalTrafficPolicy = TrafficPolicy.Cluster,
        };
    }

    private sealed class DiscardLinks : ILinkEnvironment
    {
        public ILinkPort OpenPort(string interfaceName) => new DiscardLinkPort();

        public IReadOnlyList<LinkInterface> GetInterfaces() => [];

        public IDisposable WatchLinks(Action<InterfaceChangedEventArgs> onChange) => new NoWatch();

        public string? ReadSysctl(string path) => null;

        private sealed class NoWatch : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }

    /// <summary>An interface that swallows every frame and never receives one.</summary>
    private sealed class DiscardLinkPort : ILinkPort
    {
        public static readonly MacAddress Address = MacAddress.Parse("02:00:00:00:00:01");

        private readonly ManualResetEventSlim _closed = new();

        public string InterfaceName => Link;

        public int InterfaceIndex => 1;

        public MacAddress Mac => Address;

        public IPv6Address? LinkLocal => IPv6Address.From(IPAddress.Parse("fe80::1"));

        public void Send(ReadOnlySpan<byte> frame)
        {
        }

        public int Receive(Span<byte> buffer, TimeSpan timeout)
        {
            _closed.Wait(timeout);
            return 0;
        }

        public void JoinMulticast(MacAddress group)
        {
        }

        public void LeaveMulticast(MacAddress group)
        {
        }

        public void Dispose()
        {
            _closed.Set();
        }
    }

    private sealed class NoBinding : IVipBinder
    {
        public Task CleanupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task AddAsync(IPAddress vip, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task RemoveAsync(IPAddress vip, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class NoForwarding : IForwarder
    {
        public IReadOnlyCollection<VipPort> Forwarded => [];

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task SetBackendsAsync(VipPort vip, IReadOnlyList<Forwarding.Backend> backends, ServiceForwardingOptions options, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ClearAsync(VipPort vip, CancellationToken cancellationToken) => Task.CompletedTask;

        public IReadOnlyList<BackendHealthReport> HealthSnapshot() => [];

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
