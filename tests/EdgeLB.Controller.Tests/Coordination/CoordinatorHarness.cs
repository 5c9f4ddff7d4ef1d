using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Testing;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>
/// A <see cref="Coordinator"/> with no I/O at all: inputs are plain lists, time is a manual clock,
/// and speakers are sessions whose outboxes the test reads (each applies what it receives by the
/// epoch rules and reports it in its next heartbeat).
/// </summary>
internal sealed class CoordinatorHarness : IDisposable
{
    private readonly CoordinatorMetrics _metrics = new();
    private readonly Dictionary<string, ulong> _sequences = new(StringComparer.Ordinal);

    /// <param name="configure">Changes to the controller's options.</param>
    /// <param name="manualTicks">The coordinator gets no timer: only the test calls Tick, so it can make the controller stall.</param>
    public CoordinatorHarness(Action<ControllerOptions>? configure = null, bool manualTicks = false)
    {
        configure?.Invoke(Options);
        TimeProvider time = manualTicks ? new NoTimers(Time) : Time;
        Coordinator = new Coordinator(Options, () => new CoordinationInputs(Nodes, Services, Advertisements, Pools, Slices), Sink, _metrics, NullLogger.Instance, time);
        Advertisements.Add(new L2Advertisement { Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" }, Spec = new L2AdvertisementSpec() });
        Pools.Add(new IPAddressPool { Metadata = new ObjectMeta { Name = "lan", Namespace = "edgelb-system" } });
    }

    public ControllerOptions Options { get; } = new();

    public CoordinatorMetrics Metrics => _metrics;

    public ManualTimeProvider Time { get; } = new();

    public RecordingSink Sink { get; } = new();

    public Coordinator Coordinator { get; }

    public List<Node> Nodes { get; } = [];

    public List<Service> Services { get; } = [];

    public List<L2Advertisement> Advertisements { get; } = [];

    public List<IPAddressPool> Pools { get; } = [];

    public List<EndpointSlice> Slices { get; } = [];

    /// <summary>Every message each node received, in order.</summary>
    public Dictionary<string, List<ControllerMessage>> Received { get; } = new(StringComparer.Ordinal);

    /// <summary>What each node announces: address → epoch.</summary>
    public Dictionary<string, Dictionary<string, ulong>> Holding { get; } = new(StringComparer.Ordinal);

    public void AddNode(string name, int index, IReadOnlyDictionary<string, string>? labels = null) =>
        Nodes.Add(CoordinationLab.NodeObject(name, $"198.18.0.{index}", labels));

    public void AddService(string name, string vip, string? trafficPolicy = null, string? announcing = null, int nodePort = 30080)
    {
        var annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "lan" };
        if (announcing is not null)
        {
            annotations[ServiceAnnotations.AnnouncingNode] = announcing;
        }

        Services.RemoveAll(s => s.Metadata.Name == name);
        Services.Add(new Service
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default", Annotations = annotations },
            Spec = new ServiceSpec
            {
                Type = "LoadBalancer",
                ExternalTrafficPolicy = trafficPolicy,
                Ports = [new Kubernetes.Models.ServicePort { Name = "http", Port = 80, Protocol = "TCP", NodePort = nodePort }],
            },
            Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = vip }] } },
        });
        Coordinator.InputsChanged();
    }

    public SpeakerSession Open(string node, int index, bool linkUp = true, int prefix = 24)
    {
        var hello = new Hello
        {
            NodeName = node,
            InstanceId = node + "-1",
            Interfaces =
            {
                new Rpc.Contract.V1.NetworkInterface
                {
                    Name = "eth0",
                    LinkUp = linkUp,
                    Mac = ByteString.CopyFrom(SimulatedSpeaker.MacOf(node)),
                    Addresses = { new IpPrefix { Address = $"198.18.0.{index}", PrefixLength = (uint)prefix } },
                },
            },
        };
        Received[node] = [];
        Holding[node] = new(StringComparer.Ordinal);
        return Coordinator.Open(node, hello) ?? throw new InvalidOperationException("not leading");
    }

    /// <summary>Delivers what the session's outbox holds to the simulated speaker.</summary>
    public void Deliver(SpeakerSession session)
    {
        var holding = Holding[session.Node];
        while (session.TryTakeNext(out var message))
        {
            Received[session.Node].Add(message);
            if (message.Assignment is { } a && (!holding.TryGetValue(a.Address, out var e) || e <= a.Epoch))
            {
                holding[a.Address] = a.Epoch;
            }
            else if (message.Revoke is { } r && holding.TryGetValue(r.Address, out var h) && h <= r.Epoch)
            {
                holding.Remove(r.Address);
            }
        }
    }

    public void Beat(SpeakerSession session, Health health = Health.Ok, Action<Heartbeat>? edit = null)
    {
        Deliver(session);
        var sequence = _sequences[session.Node] = _sequences.GetValueOrDefault(session.Node) + 1;
        var heartbeat = new Heartbeat { Sequence = sequence, NodeHealth = health };
        heartbeat.Announced.AddRange(Holding[session.Node].Select(h => new AnnouncedVip { Address = h.Key, Epoch = h.Value, Interface = "eth0" }));
        edit?.Invoke(heartbeat);
        Coordinator.Heartbeat(session, heartbeat);
        Deliver(session);
    }

    /// <summary>Runs a tick and waits for the full plan it may start, then delivers to everyone.</summary>
    public async Task SettleAsync(params SpeakerSession[] sessions)
    {
        for (var i = 0; i < 3; i++)
        {
            Coordinator.Tick();
            await Coordinator.PlanTask;
        }

        foreach (var s in sessions)
        {
            Deliver(s);
        }
    }

    /// <summary>Advances the clock in heartbeat-sized steps, beating for <paramref name="alive"/> only.</summary>
    public void Run(TimeSpan duration, params SpeakerSession[] alive)
    {
        var step = Options.HeartbeatInterval;
        for (var t = TimeSpan.Zero; t < duration; t += step)
        {
            Time.Advance(step);
            foreach (var s in alive)
            {
                Beat(s);
            }
        }
    }

    public (string? Node, string Interface, ulong Epoch) HolderOf(string vip) => Coordinator.HolderOf(IPValue.Parse(vip));

    public void Dispose()
    {
        Coordinator.Dispose();
        _metrics.Dispose();
    }

    /// <summary>The manual clock without its timers.</summary>
    private sealed class NoTimers(ManualTimeProvider clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override long GetTimestamp() => clock.GetTimestamp();

        public override long TimestampFrequency => clock.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new Never();

        private sealed class Never : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    public sealed class RecordingSink : IAnnouncementSink
    {
        public List<(string Group, AnnouncingAnnotation? Announcing)> Announcements { get; } = [];

        public List<(string Service, string Reason, string Message)> Warnings { get; } = [];

        public void Announced(VipGroup group, AnnouncingAnnotation? announcing, string summary) => Announcements.Add((group.Key, announcing));

        public void Warn(VipGroup group, string reason, string message) => Warnings.AddRange(group.Services.Select(s => (s, reason, message)));
    }
}
