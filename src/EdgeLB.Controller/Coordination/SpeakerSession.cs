using System.Threading.Channels;
using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// One speaker's open session as the coordinator tracks it. Mutated only under the coordinator's
/// lock; messages to the speaker go through <see cref="Outbox"/>, which one writer drains, so the
/// lock is never held across network I/O.
/// </summary>
internal sealed class SpeakerSession : IDisposable
{
    private readonly Channel<ControllerMessage> _outbox = Channel.CreateUnbounded<ControllerMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _end = new();

    public SpeakerSession(string node, Hello hello, DateTimeOffset openedAt)
    {
        ArgumentNullException.ThrowIfNull(hello);
        Node = node;
        InstanceId = hello.InstanceId;
        Version = hello.Version;
        OpenedAt = openedAt;
        LastHeartbeatAt = openedAt;
        Interfaces = [.. hello.Interfaces.Select(InterfaceFacts.From)];
        Macs = [.. hello.Interfaces.Where(i => i.Mac.Length == 6).Select(i => i.Mac)];
    }

    public string Node { get; }

    public string InstanceId { get; }

    public string Version { get; }

    public DateTimeOffset OpenedAt { get; }

    public IReadOnlyList<Google.Protobuf.ByteString> Macs { get; }

    public IReadOnlyList<InterfaceFacts> Interfaces { get; set; }

    public DateTimeOffset LastHeartbeatAt { get; set; }

    public ulong LastSequence { get; set; }

    public bool Reported { get; set; }

    /// <summary>Heartbeats arrive within the lease; false once one lease passed without any.</summary>
    public bool Live { get; set; } = true;

    public Health Health { get; set; } = Health.Unspecified;

    public bool Draining { get; set; }

    public bool DrainCompleted { get; set; }

    /// <summary>When to confirm the drain even if some handovers are still in flight.</summary>
    public DateTimeOffset? DrainDeadline { get; set; }

    public Dictionary<NodePortTarget, bool> NodePorts { get; } = [];

    /// <summary>What the speaker said it announces in its last heartbeat.</summary>
    public Dictionary<IPValue, AnnouncedVip> Announced { get; } = [];

    /// <summary>VIPs this session was told to announce and has not been told to stop.</summary>
    public Dictionary<IPValue, HeldLease> Held { get; } = [];

    /// <summary>Cached facts for the planner; null after anything they contain changed.</summary>
    public SpeakerFacts? Facts { get; set; }

    public ChannelReader<ControllerMessage> Outbox => _outbox.Reader;

    /// <summary>Fires when the coordinator ends the session (replaced, or no longer leading).</summary>
    public CancellationToken Ended => _end.Token;

    public bool IsEnded => _end.IsCancellationRequested;

    public void Send(ControllerMessage message) => _outbox.Writer.TryWrite(message);

    public void End()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _end.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already torn down by its handler.
        }
    }

    public SpeakerFacts ToFacts() => Facts ??= new SpeakerFacts(Node, Live, Draining, Health, Interfaces, new Dictionary<NodePortTarget, bool>(NodePorts));

    public void Dispose() => _end.Dispose();
}
