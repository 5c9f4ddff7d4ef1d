using CsCheck;
using EdgeLB.Controller;
using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Testing;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Fuzz.Sessions;

internal enum ControllerOpKind
{
    Open,
    Message,
    Bytes,
    Close,
    Tick,
}

/// <summary>One step of a speaker (0..3; node-3 is not a cluster node) talking to the leader, or of the clock.</summary>
internal sealed record ControllerOp(ControllerOpKind Kind, int Node, Hello? Hello, SpeakerMessage? Message, byte[]? Bytes, int AdvanceMs)
{
    public override string ToString() => Kind switch
    {
        ControllerOpKind.Open => $"Open(node-{Node}, {Hello})",
        ControllerOpKind.Message => $"Message(node-{Node}, {Message})",
        ControllerOpKind.Bytes => $"Bytes(node-{Node}, {Convert.ToHexString(Bytes!)})",
        ControllerOpKind.Tick => $"Tick(+{AdvanceMs} ms)",
        _ => $"{Kind}(node-{Node})",
    };
}

/// <summary>A fresh leader (term, optionally a Service annotation naming a holder) and the steps it goes through.</summary>
internal sealed record ControllerCase(ulong Term, string? Announcing, ControllerOp[] Ops)
{
    public override string ToString() => $"term {Term}, announcing {Announcing ?? "(none)"}: {string.Join("; ", Ops.Select(o => o.ToString()))}";
}

/// <summary>
/// Session messages arriving at the controller: the leader's <see cref="Coordinator"/> (what
/// SessionService hands every message to) is driven in-process with generated Hellos, Heartbeats and
/// DrainRequests, with damaged protobuf bytes parsed as the server parses them, and with sessions
/// that open twice, close, and come back. Invariants: nothing escapes; one VIP's epoch is never
/// handed to two nodes; the epochs handed out for a VIP never go down; the state is readable.
/// </summary>
internal sealed class ControllerSessionTarget : IFuzzTarget<ControllerCase>
{
    private static readonly Gen<int> NodeIndex = Gen.Int[0, ClusterInputs.Nodes];

    private static readonly Gen<ControllerOp> Op = Gen.Frequency(
        (2, Gen.Select(NodeIndex, ProtoGen.Hello(ProtoGen.Node), (n, h) => new ControllerOp(ControllerOpKind.Open, n, h, null, null, 0))),
        (3, Gen.Select(NodeIndex, Gen.Int[1, 2].Select(i => i), (n, _) => new ControllerOp(ControllerOpKind.Open, n, SaneHello(n), null, null, 0))),
        (8, Gen.Select(NodeIndex, ProtoGen.SpeakerMessage, (n, m) => new ControllerOp(ControllerOpKind.Message, n, null, m, null, 0))),
        (3, Gen.Select(NodeIndex, ProtoGen.Mangled(ProtoGen.SpeakerMessage), (n, b) => new ControllerOp(ControllerOpKind.Bytes, n, null, null, b, 0))),
        (1, NodeIndex.Select(n => new ControllerOp(ControllerOpKind.Close, n, null, null, null, 0))),
        (3, Gen.Frequency((4, Gen.Int[0, 200]), (1, Gen.Int[200, 20_000])).Select(ms => new ControllerOp(ControllerOpKind.Tick, 0, null, null, null, ms))));

    private readonly Tally _outcomes = new();

    public string Name => "controller_session";

    public TimeSpan CaseBound => TimeSpan.FromSeconds(10);

    public Gen<ControllerCase> Inputs { get; } = Gen.Select(
        Gen.Frequency((6, Gen.ULong[1, 3]), (1, Gen.Const((ulong.MaxValue / Coordinator.EpochsPerTerm) - 1))),
        Gen.Frequency((3, Gen.Const((string?)null)), (1, Gen.Select(ProtoGen.Node, ProtoGen.Epoch, ProtoGen.Text, (n, e, t) => (string?)$"{n},eth0,{e}{t}"))),
        Op.Array[1, 24],
        (term, announcing, ops) => new ControllerCase(term, announcing, ops));

    public static Hello SaneHello(int node) => new()
    {
        NodeName = $"node-{node}",
        InstanceId = $"node-{node}-1",
        Version = "fuzz",
        Capabilities = new Capabilities { Ipv4 = true, Ipv6 = true, ForwardTcp = true, ForwardUdp = true },
        Interfaces =
        {
            new Rpc.Contract.V1.NetworkInterface
            {
                Name = "eth0",
                LinkUp = true,
                Mac = ByteString.CopyFrom(0x02, 0, 0, 0, 0, (byte)node),
                Addresses = { new IpPrefix { Address = $"198.18.0.{node + 1}", PrefixLength = 24 } },
            },
        },
    };

    public string? Check(ControllerCase input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var time = new ManualTimeProvider();
        using var metrics = new CoordinatorMetrics();
        var inputs = ClusterInputs.Create(input.Announcing);
        using var coordinator = new Coordinator(new ControllerOptions(), () => inputs, new ClusterInputs.NullSink(), metrics, NullLogger.Instance, time);
        coordinator.StartLeading(input.Term);
        var sessions = new Dictionary<int, SpeakerSession>();
        var handedOut = new Dictionary<(string Address, ulong Epoch), string>();
        var highest = new Dictionary<string, ulong>(StringComparer.Ordinal);
        try
        {
            foreach (var op in input.Ops)
            {
                Apply(coordinator, time, sessions, op);
                if (Collect(sessions.Values, handedOut, highest) is { } violation)
                {
                    return violation;
                }
            }

            _ = coordinator.State(new GetStateRequest(), "fuzz");
            foreach (var vip in ProtoGen.Vips)
            {
                _ = coordinator.HolderOf(IPValue.Parse(vip));
            }

            return null;
        }
        finally
        {
            foreach (var session in sessions.Values)
            {
                session.Dispose();
            }
        }
    }

    private void Apply(Coordinator coordinator, ManualTimeProvider time, Dictionary<int, SpeakerSession> sessions, ControllerOp op)
    {
        var node = $"node-{op.Node}";
        switch (op.Kind)
        {
            case ControllerOpKind.Open:
                Open(coordinator, sessions, op.Node, op.Hello!);
                break;
            case ControllerOpKind.Message:
                Deliver(coordinator, sessions, op.Node, op.Message!);
                break;
            case ControllerOpKind.Bytes:
                SpeakerMessage message;
                try
                {
                    message = SpeakerMessage.Parser.ParseFrom(op.Bytes);
                }
                catch (InvalidProtocolBufferException)
                {
                    _outcomes.Add("bytes rejected by the parser");
                    return;
                }

                _outcomes.Add("bytes parsed");
                Deliver(coordinator, sessions, op.Node, message);
                break;
            case ControllerOpKind.Close when sessions.Remove(op.Node, out var closing):
                coordinator.Closed(closing, "closed by the speaker");
                closing.Dispose();
                break;
            case ControllerOpKind.Tick:
                time.Advance(TimeSpan.FromMilliseconds(op.AdvanceMs));
                coordinator.Tick();
                coordinator.PlanTask.GetAwaiter().GetResult();
                break;
            default:
                _ = node;
                break;
        }
    }

    /// <summary>As SessionService does: the first message of a session must be a Hello with a node name; later Hellos are ignored.</summary>
    private void Deliver(Coordinator coordinator, Dictionary<int, SpeakerSession> sessions, int node, SpeakerMessage message)
    {
        if (!sessions.TryGetValue(node, out var session) || session.IsEnded)
        {
            if (message.KindCase == SpeakerMessage.KindOneofCase.Hello && message.Hello.NodeName.Length > 0)
            {
                Open(coordinator, sessions, node, message.Hello);
            }
            else
            {
                _outcomes.Add("refused: first message not a Hello");
            }

            return;
        }

        switch (message.KindCase)
        {
            case SpeakerMessage.KindOneofCase.Heartbeat:
                coordinator.Heartbeat(session, message.Heartbeat);
                _outcomes.Add("heartbeat");
                break;
            case SpeakerMessage.KindOneofCase.DrainRequest:
                coordinator.Drain(session, message.DrainRequest);
                _outcomes.Add("drain");
                break;
            default:
                _outcomes.Add("ignored");
                break;
        }
    }

    private void Open(Coordinator coordinator, Dictionary<int, SpeakerSession> sessions, int node, Hello hello)
    {
        // The token review binds the session to the node the token names, whatever the Hello says.
        var session = coordinator.Open($"node-{node}", hello) ?? throw new InvalidOperationException("the coordinator stopped leading");
        if (sessions.Remove(node, out var previous))
        {
            coordinator.Closed(previous, "replaced");
            previous.Dispose();
        }

        sessions[node] = session;
        _outcomes.Add("open");
    }

    private string? Collect(IEnumerable<SpeakerSession> sessions, Dictionary<(string, ulong), string> handedOut, Dictionary<string, ulong> highest)
    {
        var sent = new List<(string Node, Assignment Assignment)>();
        foreach (var session in sessions)
        {
            while (session.TryTakeNext(out var message))
            {
                if (message.Assignment is { } assignment)
                {
                    sent.Add((session.Node, assignment));
                }
            }
        }

        // Each session's outbox keeps its own order, but reading them one after another loses the
        // order between sessions: one step (a Tick that finds two holders cut off in turn) can move a
        // VIP to node-1 at epoch n and on to node-0 at n + 1, and node-0's outbox is read first. The
        // coordinator takes a VIP's epochs from one counter that only grows, so within a step they are
        // checked in epoch order; across steps the order is the real one.
        foreach (var (node, assignment) in sent.OrderBy(s => s.Assignment.Epoch))
        {
            _outcomes.Add("assignment sent");
            if (handedOut.TryGetValue((assignment.Address, assignment.Epoch), out var other) && other != node)
            {
                return $"invariant: {assignment.Address} epoch {assignment.Epoch} was handed to {other} and to {node}";
            }

            handedOut[(assignment.Address, assignment.Epoch)] = node;
            if (highest.TryGetValue(assignment.Address, out var top) && assignment.Epoch < top && handedOut.GetValueOrDefault((assignment.Address, top)) != node)
            {
                return $"invariant: {assignment.Address} was handed to {node} at epoch {assignment.Epoch}, below epoch {top} handed out before";
            }

            highest[assignment.Address] = Math.Max(top, assignment.Epoch);
        }

        return null;
    }

    public string Summary() => _outcomes.ToString();

    public string Describe(ControllerCase input) => input?.ToString() ?? "";
}
