using CsCheck;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Duration = Google.Protobuf.WellKnownTypes.Duration;

namespace EdgeLB.Fuzz.Sessions;

/// <summary>
/// Generators for the Session protocol's messages: mostly plausible (so the code under test gets past
/// its first checks), with impossible values mixed in: epochs 0 and 2^64-1, durations with
/// out-of-range or sign-mismatched nanoseconds, timestamps outside their range, garbage addresses,
/// MACs of every length, long strings and long lists.
/// </summary>
internal static class ProtoGen
{
    public const string Vip0 = "198.18.0.100";

    public static readonly string[] Vips = [Vip0, "198.18.0.101", "198.18.0.102", "2001:db8::100"];

    public static readonly Gen<string> Text = Gen.Frequency(
        (6, Gen.Const("")),
        (3, Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-.:/"], 0, 24]),
        (1, Gen.String[0, 40]),
        (1, Gen.Int[256, 20_000].Select(n => new string('x', n))));

    public static readonly Gen<string> Address = Gen.Frequency(
        (8, Gen.OneOf(Vips)),
        (2, Gen.Byte.Select(b => $"198.18.0.{b}")),
        (1, Gen.OneOf("", "::", "0.0.0.0", "255.255.255.255", "198.18.0.100/32", "198.18.0.256", "fe80::1%eth0", "::ffff:198.18.0.100", " 198.18.0.100", "not-an-ip")),
        (1, Text));

    public static readonly Gen<string> Node = Gen.Frequency((8, Gen.Int[0, 3].Select(i => $"node-{i}")), (1, Text));

    public static readonly Gen<ulong> Epoch = Gen.Frequency(
        (4, Gen.ULong[0, 10]),
        (4, Gen.ULong[1_000_000, 1_000_020]),
        (2, Gen.ULong[2_000_000, 2_000_010]),
        (1, Gen.OneOf(ulong.MaxValue, ulong.MaxValue - 1, (ulong)long.MaxValue, (ulong)long.MaxValue + 1)),
        (1, Gen.ULong));

    public static readonly Gen<Duration?> Duration = Gen.Frequency(
        (3, Gen.Const((Duration?)null)),
        (4, Gen.Int[0, 30_000].Select(ms => (Duration?)Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMilliseconds(ms)))),
        (2, Gen.Select(Gen.Long, Gen.Int, (s, n) => (Duration?)new Duration { Seconds = s, Nanos = n })),
        (1, Gen.OneOf<Duration?>(
            new Duration { Seconds = 1, Nanos = -1 },
            new Duration { Seconds = -1, Nanos = 1 },
            new Duration { Seconds = 0, Nanos = 1_000_000_000 },
            new Duration { Seconds = long.MaxValue },
            new Duration { Seconds = long.MinValue },
            new Duration { Seconds = 315_576_000_000 },
            new Duration { Seconds = -315_576_000_000 },
            new Duration { Seconds = -5 })));

    public static readonly Gen<Timestamp?> Timestamp = Gen.Frequency(
        (3, Gen.Const((Timestamp?)null)),
        (3, Gen.Long[0, 4_000_000_000].Select(s => (Timestamp?)new Timestamp { Seconds = s })),
        (1, Gen.Select(Gen.Long, Gen.Int, (s, n) => (Timestamp?)new Timestamp { Seconds = s, Nanos = n })));

    public static readonly Gen<ByteString> Mac = Gen.Frequency(
        (6, Gen.Byte.Array[6].Select(b => ByteString.CopyFrom(b))),
        (1, Gen.Byte.Array[0, 20].Select(b => ByteString.CopyFrom(b))));

    private static readonly Gen<IpPrefix> Prefix = Gen.Select(Address, Gen.Frequency((6, Gen.UInt[0, 128]), (1, Gen.UInt)), (a, p) => new IpPrefix { Address = a, PrefixLength = p });

    private static readonly Gen<Rpc.Contract.V1.NetworkInterface> Interface = Gen.Select(
        Gen.Frequency((6, Gen.Const("eth0")), (1, Text)), Gen.Int, Mac, Gen.Bool, Prefix.List[0, 4], Gen.UInt,
        (name, index, mac, up, addresses, mtu) => new Rpc.Contract.V1.NetworkInterface { Name = name, Index = index, Mac = mac, LinkUp = up, Addresses = { addresses }, Mtu = mtu });

    public static Gen<Hello> Hello(Gen<string> node) => Gen.Select(
        node, Address.List[0, 3], Interface.List[0, 3], Gen.Bool, Text, Gen.Frequency((3, Gen.Const("same")), (1, Text)),
        (name, addresses, interfaces, v4, version, instance) => new Hello
        {
            NodeName = name,
            NodeAddresses = { addresses },
            Interfaces = { interfaces },
            Capabilities = new Capabilities { Ipv4 = v4, Ipv6 = true, ForwardTcp = true, ForwardUdp = true },
            Version = version,
            InstanceId = instance,
        });

    private static readonly Gen<AnnouncedVip> Announced = Gen.Select(Address, Epoch, Text, Timestamp,
        (a, e, i, t) => new AnnouncedVip { Address = a, Epoch = e, Interface = i, LastGarp = t });

    private static readonly Gen<NodePortHealth> NodePort = Gen.Select(Address, Gen.UInt, Gen.Enum<Protocol>(), Gen.Bool, Duration, Gen.UInt, Text,
        (a, p, proto, healthy, latency, failures, error) => new NodePortHealth { NodeAddress = a, NodePort = p, Protocol = proto, Healthy = healthy, Latency = latency, ConsecutiveFailures = failures, Error = error });

    private static readonly Gen<ForeignClaim> Claim = Gen.Select(Address, Mac, Gen.Bool, Timestamp, Text,
        (a, m, known, seen, i) => new ForeignClaim { Address = a, Mac = m, KnownPeer = known, SeenAt = seen, Interface = i });

    private static readonly Gen<Health> HealthValue = Gen.Frequency((6, Gen.Enum<Health>()), (1, Gen.Int.Select(i => (Health)i)));

    public static readonly Gen<Heartbeat> Heartbeat = Gen.Select(
        Gen.Frequency((4, Gen.ULong[0, 100]), (1, Gen.ULong)), Timestamp, HealthValue,
        Gen.Select(Text, Gen.Bool, HealthValue, (i, up, h) => new LinkHealth { Interface = i, LinkUp = up, Health = h }).List[0, 3],
        NodePort.List[0, 3], Announced.List[0, 5], Claim.List[0, 2], Node.List[0, 3],
        (sequence, sent, health, links, ports, announced, claims, unreachable) => new Heartbeat
        {
            Sequence = sequence,
            SentAt = sent,
            NodeHealth = health,
            Links = { links },
            NodePorts = { ports },
            Announced = { announced },
            ForeignClaims = { claims },
            UnreachableHolders = { unreachable },
        });

    public static readonly Gen<DrainRequest> Drain = Gen.Select(Text, Duration, (r, d) => new DrainRequest { Reason = r, Deadline = d });

    public static readonly Gen<SpeakerMessage> SpeakerMessage = Gen.Frequency(
        (1, Hello(Node).Select(h => new SpeakerMessage { Hello = h })),
        (6, Heartbeat.Select(h => new SpeakerMessage { Heartbeat = h })),
        (1, Drain.Select(d => new SpeakerMessage { DrainRequest = d })),
        (1, Gen.Const(new SpeakerMessage())));

    private static readonly Gen<ServicePort> Port = Gen.Select(Text, Gen.Enum<Protocol>(), Gen.UInt[0, 70_000], Gen.UInt[0, 70_000],
        Gen.Select(Node, Address, Gen.UInt[0, 70_000], Gen.UInt, Gen.Bool, (n, a, p, w, l) => new Backend { Node = n, Address = a, Port = p, Weight = w, HasLocalEndpoints = l }).List[0, 3],
        (name, proto, port, nodePort, backends) => new ServicePort { Name = name, Protocol = proto, Port = port, NodePort = nodePort, Backends = { backends } });

    public static readonly Gen<Assignment> Assignment = Gen.Select(
        Address, Gen.Enum<AddressFamily>(), Gen.Frequency((6, Gen.Const("eth0")), (1, Text)), Epoch, Duration, Text.List[0, 2], Port.List[0, 3],
        Gen.Select(Gen.Bool, Duration, (c, t) => new SessionAffinity { ClientIp = c, Timeout = t }),
        (address, family, iface, epoch, lease, services, ports, affinity) => new Assignment
        {
            Address = address,
            Family = family,
            Interface = iface,
            Epoch = epoch,
            LeaseDuration = lease,
            Services = { services },
            Ports = { ports },
            SessionAffinity = affinity,
            PreviousHolder = "",
        });

    private static readonly Gen<Configuration> ConfigurationGen = Gen.Select(
        Duration, Duration,
        Gen.Select(Gen.Frequency((6, Gen.UInt[0, 5]), (1, Gen.UInt)), Duration, Duration, (c, i, r) => new GarpSchedule { Count = c, Interval = i, Refresh = r }),
        Gen.Select(Node, Mac.List[0, 3], (n, m) => new PeerSpeaker { Node = n, Macs = { m } }).List[0, 4],
        (heartbeat, lease, garp, peers) => new Configuration { HeartbeatInterval = heartbeat, LeaseDuration = lease, Garp = garp, Peers = { peers } });

    public static readonly Gen<ControllerMessage> ControllerMessage = Gen.Frequency(
        (5, Assignment.Select(a => new ControllerMessage { Assignment = a })),
        (3, Gen.Select(Address, Epoch, Text, (a, e, r) => new ControllerMessage { Revoke = new Revoke { Address = a, Epoch = e, Reason = r } })),
        (2, Gen.Select(Gen.ULong, Timestamp, Gen.Select(Address, Epoch, Duration, (a, e, d) => new LeaseRenewal { Address = a, Epoch = e, LeaseDuration = d }).List[0, 4],
            (s, t, r) => new ControllerMessage { HeartbeatAck = new HeartbeatAck { Sequence = s, ReceivedAt = t, Renewed = { r } } })),
        (2, ConfigurationGen.Select(c => new ControllerMessage { Configuration = c })),
        (1, Text.List[0, 3].Select(s => new ControllerMessage { DrainComplete = new DrainComplete { Stranded = { s } } })),
        (2, Gen.Select(Assignment, Node, Address, (a, n, h) => new ControllerMessage { Standby = new Standby { Next = a, HolderNode = n, HolderAddress = h } })),
        (1, Gen.Select(Address, Text, (a, r) => new ControllerMessage { StandbyEnd = new StandbyEnd { Address = a, Reason = r } })),
        (1, Gen.Const(new ControllerMessage())));

    /// <summary>A message as bytes on the wire, then damaged: what a parser must survive (or reject with InvalidProtocolBufferException).</summary>
    public static Gen<byte[]> Mangled<T>(Gen<T> messages)
        where T : IMessage =>
        Gen.Frequency(
            (1, Gen.Byte.Array[0, 64]),
            (4, Gen.Select(messages, Mutation.Some, (m, edits) => Mutation.ApplyAll(m.ToByteArray(), edits))));
}
