using System.Threading.Channels;
using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// One speaker's open session as the coordinator tracks it. Mutated only under the coordinator's
/// lock; messages to the speaker go through an outbox that one writer drains (<see cref="TryTakeNext"/>), so the
/// lock is never held across network I/O.
/// </summary>
internal sealed class SpeakerSession : IDisposable
{
    private readonly Channel<ControllerMessage> _outbox = Channel.CreateUnbounded<ControllerMessage>(new UnboundedChannelOptions { SingleReader = true });
    private static readonly ControllerMessage AckMarker = new();
    private readonly CancellationTokenSource _end = new();
    private ControllerMessage? _pendingAck;

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

    /// <summary>For each target of <see cref="NodePorts"/> that answers: the first heartbeat of its current run of answers.</summary>
    public Dictionary<NodePortTarget, DateTimeOffset> HealthySince { get; } = [];

    /// <summary>What the speaker said it announces in its last heartbeat.</summary>
    public Dictionary<IPValue, AnnouncedVip> Announced { get; } = [];

    /// <summary>VIPs this session was told to announce and has not been told to stop.</summary>
    public Dictionary<IPValue, HeldLease> Held { get; } = [];

    /// <summary>VIPs this session was revoked in an unplanned move and has not yet confirmed to have stopped.</summary>
    public HashSet<IPValue> Revoking { get; } = [];

    /// <summary>VIPs it announced without holding them, and the epoch of the Revoke sent for each.</summary>
    public Dictionary<IPValue, ulong> StrayRevoked { get; } = [];

    /// <summary>Cached facts for the planner; null after anything they contain changed.</summary>
    public SpeakerFacts? Facts { get; set; }

    /// <summary>Fires when the coordinator ends the session (replaced, or no longer leading).</summary>
    public CancellationToken Ended => _end.Token;

    public bool IsEnded => _end.IsCancellationRequested;

    public void Send(ControllerMessage message) => _outbox.Writer.TryWrite(message);

    /// <summary>
    /// Queues a HeartbeatAck. It does not wait behind Assignments and Configurations already in
    /// the outbox: the writer takes a pending ack before anything else, because an ack that arrives
    /// late lets the speaker's leases lapse. An ack still waiting is replaced by the newer one, so a
    /// slow connection gets the latest renewal instead of a backlog of stale ones. Overtaking is
    /// safe: an ack renews only what was held when it was built, and a speaker ignores renewals of
    /// VIPs it does not hold at that epoch.
    /// </summary>
    public void SendAck(ControllerMessage ack)
    {
        if (Interlocked.Exchange(ref _pendingAck, ack) is null)
        {
            // Wakes the writer; the marker itself writes nothing.
            _outbox.Writer.TryWrite(AckMarker);
        }
    }

    /// <summary>The next message to write: a pending ack first, then the outbox in order; false when there is none now.</summary>
    public bool TryTakeNext([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ControllerMessage? message)
    {
        message = Interlocked.Exchange(ref _pendingAck, null);
        if (message is not null)
        {
            return true;
        }

        while (_outbox.Reader.TryRead(out var queued))
        {
            if (!ReferenceEquals(queued, AckMarker))
            {
                message = queued;
                return true;
            }

            if (Interlocked.Exchange(ref _pendingAck, null) is { } ack)
            {
                message = ack;
                return true;
            }
        }

        return false;
    }

    /// <summary>Waits until <see cref="TryTakeNext"/> may have something; false once the session ended and everything was taken.</summary>
    public ValueTask<bool> WaitToTakeAsync(CancellationToken cancellationToken) => _outbox.Reader.WaitToReadAsync(cancellationToken);

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

    public SpeakerFacts ToFacts() => Facts ??= new SpeakerFacts(Node, Live, Draining, Health, Interfaces, new Dictionary<NodePortTarget, bool>(NodePorts), new Dictionary<NodePortTarget, DateTimeOffset>(HealthySince));

    public void Dispose() => _end.Dispose();
}
