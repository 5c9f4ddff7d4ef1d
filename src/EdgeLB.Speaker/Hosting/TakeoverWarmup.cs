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
/// whose forwarder forwards nothing. Precompiled code does not cover everything: measured in the
/// failover lab, a speaker's first real takeover still compiled about 50 methods, 30-35 ms of a
/// failover budget of tens of milliseconds. Compiled here, they are ready when a VIP arrives.
/// </summary>
internal static class TakeoverWarmup
{
    private const string Link = "warmup0";

    /// <summary>Runs the takeover path; returns how many methods it compiled and how long it took.</summary>
    public static async Task<(long Compiled, TimeSpan Took)> RunAsync(SessionOptions options, TimeProvider time)
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
