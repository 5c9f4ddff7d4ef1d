using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using EdgeLB.Rpc.Contract;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The leader's view of every speaker session and every VIP: it chooses announcers, hands out
/// fenced, leased assignments, renews them with heartbeat acks and moves VIPs when a holder goes
/// away, drains or stops being eligible.
/// </summary>
/// <remarks>
/// <para>All state changes happen under one lock and are cheap; messages go into per-session
/// outboxes drained by the session handlers, so the lock is never held across I/O. The full
/// election over every VIP runs outside the lock on a snapshot and is applied afterwards.</para>
/// <para>Rules that keep one VIP on at most one node:</para>
/// <list type="number">
/// <item>A VIP leaves a holder whose session is merely silent only when the lease granted by the
/// last message renewing it (Assignment or HeartbeatAck) has run out on the controller's clock,
/// counted from when that message was queued; the speaker is told a lease shorter by
/// <see cref="ControllerOptions.LeaseMargin"/> and counts it from no earlier than its own
/// heartbeat, so it stops first.</item>
/// <item>A holder whose session ended (the speaker closed it or its kernel reset it) is replaced
/// at once: a speaker stops announcing before it closes, and a dead process announces nothing.</item>
/// <item>Epochs only grow per VIP: each term starts above every epoch an earlier leader could
/// have used (term × 1,000,000, the term counted on the leader Lease), and the annotation and the
/// speakers' heartbeats raise the floor further.</item>
/// <item>A live, eligible holder is never moved by a plan. Planned moves (drain) are
/// make-before-break: the old holder is revoked only after the new one reports announcing the VIP
/// at the new epoch. Unplanned moves off a holder that is still connected (no longer eligible, or
/// silent) are break-before-make: it is revoked, and the VIP goes to the next node only once its
/// heartbeat no longer lists it, its session ended or its lease ran out (<see cref="PendingRevoke"/>).</item>
/// <item>A stall of the controller itself does not count against the speakers' leases.</item>
/// <item>A new leader changes nothing until every node named as a holder in the Service
/// annotations has reported what it announces, or <see cref="ControllerOptions.RelearnTimeout"/>
/// passed; what speakers report is adopted as is, if that node could hold that epoch.</item>
/// </list>
/// </remarks>
internal sealed partial class Coordinator : IDisposable
{
    /// <summary>Epochs of term t start at t × this; no VIP moves a million times in one term.</summary>
    public const ulong EpochsPerTerm = 1_000_000;

    private static readonly TimeSpan PeersBroadcastPeriod = TimeSpan.FromMilliseconds(500);

    /// <summary>Wait between peer-list broadcasts per speaker squared (see <see cref="BroadcastPeers"/>).</summary>
    private static readonly TimeSpan PeersBroadcastCostPerPair = TimeSpan.FromTicks(50);

    private readonly Lock _gate = new();
    private readonly ControllerOptions _options;
    private readonly Func<CoordinationInputs> _inputs;
    private readonly IAnnouncementSink _sink;
    private readonly CoordinatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SpeakerSession> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<IPValue, VipRecord> _vips = [];
    private readonly Dictionary<IPValue, ulong> _epochFloor = [];
    private readonly Dictionary<string, GroupPlan> _plans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AnnouncingAnnotation?> _reported = new(StringComparer.Ordinal);
    private readonly HashSet<string> _warnedExcluded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _awaited = new(StringComparer.Ordinal);
    private Duration _speakerLease;
    private int _scale; // see SessionTimings.Scale: grows with the sessions within a term, never shrinks
    private DerivedInputs _derived = DerivedInputs.Empty;
    private CoordinationSnapshot? _snapshot;
    private ITimer? _timer;
    private ITimer? _cutOffTimer;

    /// <summary>Holders a standby cannot ping, by node: who reported it last and when (<see cref="CutOffReported"/>).</summary>
    private readonly Dictionary<string, (string Reporter, DateTimeOffset At)> _unreachable = new(StringComparer.Ordinal);
    private bool _leading;
    private bool _collecting;
    private DateTimeOffset _collectUntil;
    private ulong _termFloor;
    private bool _inputsDirty = true;
    private bool _planWanted;
    private bool _planning;
    private DateTimeOffset _nextPlanAt;
    private bool _peersDirty;
    private DateTimeOffset _nextPeersAt;
    private DateTimeOffset? _lastTickAt;
    private DateTimeOffset? _replanAt;

    public Coordinator(ControllerOptions options, Func<CoordinationInputs> inputs, IAnnouncementSink sink, CoordinatorMetrics metrics, ILogger logger, TimeProvider time)
    {
        _options = options;
        _inputs = inputs;
        _sink = sink;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        SetScale(1);
        metrics.ObserveSessions(() => SessionCount, VipsPerNode);
        metrics.ObserveHolders(VipHolders);
    }

    /// <summary>The lease the controller counts, stretched by the session scale.</summary>
    private TimeSpan Lease => _options.SpeakerLease * _scale;

    public bool IsLeading
    {
        get
        {
            lock (_gate)
            {
                return _leading;
            }
        }
    }

    /// <summary>True while a new leader waits for speakers to report what they announce.</summary>
    public bool IsRelearning
    {
        get
        {
            lock (_gate)
            {
                return _collecting;
            }
        }
    }

    /// <summary>The latest full plan's work (tests wait for it).</summary>
    internal Task PlanTask { get; private set; } = Task.CompletedTask;

    public int SessionCount
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>Begins a term: reads the annotations back and waits for the holders they name before changing anything.</summary>
    public void StartLeading(ulong term)
    {
        var derived = DerivedInputs.From(_inputs(), _options);
        lock (_gate)
        {
            _leading = true;
            _termFloor = term * EpochsPerTerm;
            _derived = derived;
            _snapshot = null;
            _inputsDirty = false;
            _vips.Clear();
            _plans.Clear();
            _reported.Clear();
            _warnedExcluded.Clear();
            _awaited.Clear();
            foreach (var group in derived.Groups)
            {
                foreach (var address in group.Addresses)
                {
                    _vips[address] = new VipRecord(address) { GroupKey = group.Key, OwnerlessSince = _time.GetUtcNow(), OwnerlessCause = "relearn" };
                }

                if (derived.Annotated.TryGetValue(group.Key, out var announced))
                {
                    _reported[group.Key] = announced;
                    foreach (var address in group.Addresses)
                    {
                        _vips[address].Epoch = announced.Epoch;
                        _vips[address].EpochNode = announced.Node;
                        RaiseFloor(address, announced.Epoch);
                    }

                    if (derived.Nodes.TryGetValue(announced.Node, out var node) && node.Ready)
                    {
                        _awaited.Add(announced.Node);
                    }
                }
            }

            _lastTickAt = null;
            SetScale(1);
            _collecting = _awaited.Count > 0;
            _collectUntil = _time.GetUtcNow() + _options.RelearnTimeout;
            _planWanted = true;
            CoordinationLog.StartedTerm(_logger, term, derived.Groups.Count, _awaited.Count);
            var period = SessionTimings.CheckPeriod(Lease);
            _timer = _time.CreateTimer(_ => Tick(), null, period, period);
        }
    }

    /// <summary>Ends the term: every session is closed (speakers reconnect to the next leader) and the state is dropped.</summary>
    public void StopLeading()
    {
        lock (_gate)
        {
            _leading = false;
            _collecting = false;
            _timer?.Dispose();
            _timer = null;
            _cutOffTimer?.Dispose();
            _cutOffTimer = null;
            _unreachable.Clear();
            foreach (var session in _sessions.Values)
            {
                session.End();
            }

            _sessions.Clear();
            _snapshot = null;
            _vips.Clear();
            _plans.Clear();
        }
    }

    /// <summary>A Node, Service, pool, L2Advertisement or EndpointSlice changed.</summary>
    public void InputsChanged()
    {
        lock (_gate)
        {
            _inputsDirty = true;
            _planWanted = true;
        }
    }

    /// <summary>Registers an authenticated speaker's session; null when this replica does not lead.</summary>
    public SpeakerSession? Open(string node, Hello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        lock (_gate)
        {
            if (!_leading)
            {
                return null;
            }

            var now = _time.GetUtcNow();
            var session = new SpeakerSession(node, hello, now);
            var affected = new HashSet<string>(StringComparer.Ordinal);
            if (_sessions.Remove(node, out var previous))
            {
                _snapshot = null;
                previous.End();
                if (previous.InstanceId == session.InstanceId && session.InstanceId.Length > 0)
                {
                    // The same process reconnected: it still announces what it held.
                    foreach (var (address, held) in previous.Held)
                    {
                        session.Held[address] = held;
                    }

                    foreach (var address in previous.Revoking)
                    {
                        session.Revoking.Add(address);
                        if (_vips.TryGetValue(address, out var record) && record.Revoking is { } revoking)
                        {
                            session.Send(Revoke(address, revoking.Epoch, "moved off this node"));
                        }
                    }
                }
                else
                {
                    Release(previous, "session-closed", now, affected);
                }
            }

            _sessions[node] = session;
            _snapshot = null;
            foreach (var record in _vips.Values)
            {
                if (record.Standby == node)
                {
                    record.LastStandby = null; // a new session starts without standbys: the next plan sends them again
                }
            }

            GrowScale(now);
            session.Send(new ControllerMessage { Configuration = BuildConfiguration(node) });
            _peersDirty = true;
            _planWanted = true;
            CoordinationLog.SessionOpened(_logger, node, session.Version, session.InstanceId);
            ReassignNow(affected, "session-closed", now);
            return session;
        }
    }

    /// <summary>The session's stream ended (the speaker closed it, or its connection was reset).</summary>
    public void Closed(SpeakerSession session, string cause)
    {
        ArgumentNullException.ThrowIfNull(session);
        lock (_gate)
        {
            session.End();
            if (!_leading || !_sessions.TryGetValue(session.Node, out var current) || current != session)
            {
                return;
            }

            var now = _time.GetUtcNow();
            _sessions.Remove(session.Node);
            _snapshot = null;
            var affected = new HashSet<string>(StringComparer.Ordinal);
            Release(session, "session-closed", now, affected);
            CoordinationLog.SessionClosed(_logger, session.Node, cause, affected.Count);
            _peersDirty = true;
            _planWanted = true;
            ReassignNow(affected, "session-closed", now);
        }
    }

    public void Heartbeat(SpeakerSession session, Heartbeat heartbeat)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(heartbeat);
        lock (_gate)
        {
            if (!_leading || session.IsEnded)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (session.Reported)
            {
                _metrics.HeartbeatGap(now - session.LastHeartbeatAt);
            }

            session.LastHeartbeatAt = now;
            session.LastSequence = heartbeat.Sequence;
            _unreachable.Remove(session.Node); // it speaks: a report about it is outdated
            var changed = !session.Live;
            session.Live = true;
            if (heartbeat.NodeHealth != Health.Unspecified && heartbeat.NodeHealth != session.Health)
            {
                session.Health = heartbeat.NodeHealth;
                changed = true;
            }

            changed |= ApplyLinks(session, heartbeat);
            var probesChanged = ApplyProbes(session, heartbeat, now);
            if (probesChanged)
            {
                // The nodePort rule weighs a newly reached target only once it has answered for
                // EligibilityRules.NodePortVerdictDelay: plan again when that much time has passed.
                _replanAt = now + EligibilityRules.NodePortVerdictDelay;
            }

            if (changed || probesChanged)
            {
                Dirty(session);
                _planWanted = true;
            }

            ApplyAnnounced(session, heartbeat, now);
            if (heartbeat.UnreachableHolders.Count > 0)
            {
                CutOff(session, heartbeat.UnreachableHolders, now);
            }

            foreach (var claim in heartbeat.ForeignClaims)
            {
                JudgeClaim(session, claim, now);
            }

            var ack = new HeartbeatAck { Sequence = heartbeat.Sequence, ReceivedAt = Timestamp.FromDateTimeOffset(now) };
            foreach (var (address, held) in session.Held)
            {
                held.RenewedAt = now;
                ack.Renewed.Add(new LeaseRenewal { Address = address.ToString(), Epoch = held.Epoch, LeaseDuration = _speakerLease });
            }

            session.SendAck(new ControllerMessage { HeartbeatAck = ack });
            if (!session.Reported)
            {
                session.Reported = true;
                EndCollectIfDone(now);
            }

            CheckDrain(session);
        }
    }

    public void Drain(SpeakerSession session, DrainRequest request)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            if (!_leading || session.IsEnded || session.Draining)
            {
                return;
            }

            var now = _time.GetUtcNow();
            session.Draining = true;
            Dirty(session);
            session.DrainDeadline = request.Deadline.ToTimeSpanOrNull() is { } d ? now + d : null;
            CoordinationLog.Draining(_logger, session.Node, request.Reason, session.Held.Count);
            if (!_collecting)
            {
                var groups = session.Held.Keys.Select(a => _vips.TryGetValue(a, out var r) ? r.GroupKey : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
                ReassignNow(groups, "drain", now);
            }

            _planWanted = true;
            CheckDrain(session);
        }
    }

    /// <summary>Looks for lapsed leases and late sessions, ends the relearn phase when due, and starts a full plan when one is wanted.</summary>
    internal void Tick()
    {
        lock (_gate)
        {
            if (!_leading)
            {
                return;
            }

            var now = _time.GetUtcNow();
            var period = SessionTimings.CheckPeriod(Lease);
            if (_lastTickAt is { } last && now - last > period * 2)
            {
                ForgiveStall(now - last - period, now);
            }

            _lastTickAt = now;
            var affected = new HashSet<string>(StringComparer.Ordinal);
            foreach (var session in _sessions.Values)
            {
                if (session.Live && now - session.LastHeartbeatAt >= Lease)
                {
                    session.Live = false;
                    Dirty(session);
                    _planWanted = true;
                    CoordinationLog.SessionSilent(_logger, session.Node, (long)(now - session.LastHeartbeatAt).TotalMilliseconds);
                }

                List<IPValue>? lapsed = null;
                foreach (var (address, held) in session.Held)
                {
                    if (now >= held.RenewedAt + Lease)
                    {
                        (lapsed ??= []).Add(address);
                    }
                }

                if (lapsed is not null)
                {
                    LoseHeld(session, lapsed, "lease-expired", now, affected);
                }

                foreach (var address in session.Revoking.Where(a => !_vips.TryGetValue(a, out var r) || r.Revoking is not { } p || now >= p.LeaseEnd).ToList())
                {
                    LetGo(session, address, affected);
                }

                if (session is { Draining: true, DrainCompleted: false, DrainDeadline: { } deadline } && now >= deadline)
                {
                    CompleteDrain(session);
                }
            }

            ReassignNow(affected, "lease-expired", now);
            if (_collecting && now >= _collectUntil)
            {
                CoordinationLog.RelearnTimedOut(_logger, string.Join(", ", _awaited.Where(n => !(_sessions.TryGetValue(n, out var s) && s.Reported))));
                EndCollect();
            }

            if (_peersDirty && now >= _nextPeersAt)
            {
                BroadcastPeers(now);
            }

            if (_replanAt is { } replanAt && now >= replanAt)
            {
                _replanAt = null;
                _planWanted = true;
            }

            MaybeStartFullPlan(now);
        }
    }

    /// <summary>
    /// The controller itself did not run for <paramref name="stall"/> (CPU starvation, a GC pause, a
    /// suspended VM): the heartbeats that arrived meanwhile may still wait unread in the sockets, so
    /// the stall must not count against the speakers. Every lease and heartbeat time moves forward
    /// by it. Safe: the controller only ever waits longer than the speaker, which counts its shorter
    /// lease on its own clock.
    /// </summary>
    private void ForgiveStall(TimeSpan stall, DateTimeOffset now)
    {
        foreach (var session in _sessions.Values)
        {
            session.LastHeartbeatAt = Min(session.LastHeartbeatAt + stall, now);
            foreach (var held in session.Held.Values)
            {
                held.RenewedAt = Min(held.RenewedAt + stall, now);
            }
        }

        foreach (var record in _vips.Values)
        {
            if (record.Revoking is { } revoking)
            {
                record.Revoking = revoking with { LeaseEnd = revoking.LeaseEnd + stall };
            }
        }

        static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    }

    /// <summary>The operator view for GetState.</summary>
    public GetStateResponse State(GetStateRequest request, string controller)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var response = new GetStateResponse { ObservedAt = Timestamp.FromDateTimeOffset(now), Controller = controller, Leader = _leading };
            foreach (var group in _derived.Groups)
            {
                if (request.Namespace.Length > 0 && !group.Services.Any(s => s.StartsWith(request.Namespace + "/", StringComparison.Ordinal)))
                {
                    continue;
                }

                var plan = _plans.GetValueOrDefault(group.Key);
                foreach (var address in group.Addresses)
                {
                    if (request.Vip.Length > 0 && request.Vip != address.ToString())
                    {
                        continue;
                    }

                    response.Vips.Add(VipStateOf(group, address, plan, now));
                }
            }

            var sorted = response.Vips.OrderBy(v => IPValue.TryParse(v.Address, out var ip) ? ip : default).ToList();
            response.Vips.Clear();
            response.Vips.AddRange(sorted);
            foreach (var session in _sessions.Values.OrderBy(s => s.Node, StringComparer.Ordinal))
            {
                response.Speakers.Add(new SpeakerState
                {
                    Node = session.Node,
                    Version = session.Version,
                    LastSequence = session.LastSequence,
                    LastHeartbeat = Timestamp.FromDateTimeOffset(session.LastHeartbeatAt),
                    Health = session.Health,
                    Draining = session.Draining,
                });
            }

            return response;
        }
    }

    /// <summary>The holder, interface and epoch of an address, for tests and the benchmark.</summary>
    internal (string? Node, string Interface, ulong Epoch) HolderOf(IPValue address)
    {
        lock (_gate)
        {
            return _vips.TryGetValue(address, out var r) ? (r.Holder, r.Interface, r.Epoch) : (null, string.Empty, 0);
        }
    }

    public void Dispose() => StopLeading();

    private VipState VipStateOf(VipGroup group, IPValue address, GroupPlan? plan, DateTimeOffset now)
    {
        var state = new VipState
        {
            Address = address.ToString(),
            Family = address.Family == IPFamily.IPv4 ? AddressFamily.Ipv4 : AddressFamily.Ipv6,
            Pool = group.Pools.GetValueOrDefault(address) ?? string.Empty,
            LeaseDuration = _speakerLease,
            Summary = plan?.Summary ?? (_collecting ? "relearning" : "pending"),
        };
        state.Services.AddRange(group.Services);
        if (_vips.TryGetValue(address, out var record) && record.Holder is { } holder)
        {
            state.Node = holder;
            state.Interface = record.Interface;
            state.Epoch = record.Epoch;
            state.Summary = record.HandoverFrom is { } from ? $"moving from {from.Node}" : "announced";
            if (_sessions.TryGetValue(holder, out var session) && session.Held.TryGetValue(address, out var held))
            {
                state.LeaseAge = Duration.FromTimeSpan(now - held.RenewedAt);
            }

            if (record.LastGarp is { } garp)
            {
                state.LastGarp = Timestamp.FromDateTimeOffset(garp);
            }
        }

        foreach (var verdict in plan?.Candidates ?? [])
        {
            state.Candidates.Add(new Candidate
            {
                Node = verdict.Node,
                Chosen = verdict.Eligible && verdict.Node == plan!.Node,
                Reason = verdict.Reason,
                Detail = verdict.Detail,
            });
        }

        return state;
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> VipsPerNode()
    {
        lock (_gate)
        {
            return [.. _vips.Values
                .Where(v => v.Holder is not null)
                .GroupBy(v => v.Holder!, StringComparer.Ordinal)
                .Select(g => new System.Diagnostics.Metrics.Measurement<long>(g.Count(), new KeyValuePair<string, object?>("node", g.Key)))];
        }
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> VipHolders()
    {
        lock (_gate)
        {
            return [.. _vips.Values
                .Where(v => v.Holder is not null)
                .Select(v => new System.Diagnostics.Metrics.Measurement<long>(1, new KeyValuePair<string, object?>("vip", v.Address.ToString()), new KeyValuePair<string, object?>("node", v.Holder)))];
        }
    }

    private static bool ApplyLinks(SpeakerSession session, Heartbeat heartbeat)
    {
        if (heartbeat.Links.Count == 0)
        {
            return false;
        }

        var changed = false;
        var interfaces = session.Interfaces.ToList();
        foreach (var link in heartbeat.Links)
        {
            var index = interfaces.FindIndex(i => i.Name == link.Interface);
            var up = link.LinkUp && link.Health != Health.Failed;
            if (index >= 0 && interfaces[index].LinkUp != up)
            {
                interfaces[index] = interfaces[index] with { LinkUp = up };
                changed = true;
            }
        }

        if (changed)
        {
            session.Interfaces = interfaces;
        }

        return changed;
    }

    /// <summary>
    /// Replaces the speaker's probe results with the heartbeat's: a speaker reports every target it
    /// checks now, so a target missing from the report is one it no longer checks, and its last
    /// result must not outlive the checking (a NodePort that refused before its pods were ready
    /// would otherwise stay excluded for ever, since nobody probes an excluded backend).
    /// </summary>
    private static bool ApplyProbes(SpeakerSession session, Heartbeat heartbeat, DateTimeOffset now)
    {
        var reported = new Dictionary<NodePortTarget, bool>(heartbeat.NodePorts.Count);
        foreach (var probe in heartbeat.NodePorts)
        {
            reported[new NodePortTarget(probe.NodeAddress, probe.NodePort, probe.Protocol)] = probe.Healthy;
        }

        var changed = reported.Count != session.NodePorts.Count
            || reported.Any(r => !session.NodePorts.TryGetValue(r.Key, out var was) || was != r.Value);
        if (changed)
        {
            session.NodePorts.Clear();
            foreach (var (target, healthy) in reported)
            {
                session.NodePorts[target] = healthy;
                if (!healthy)
                {
                    session.HealthySince.Remove(target);
                }
                else
                {
                    session.HealthySince.TryAdd(target, now);
                }
            }

            foreach (var gone in session.HealthySince.Keys.Where(t => !reported.ContainsKey(t)).ToList())
            {
                session.HealthySince.Remove(gone);
            }
        }

        return changed;
    }

    /// <summary>Adopts what a speaker announces when nobody holds it, completes handovers, and revokes what it must not announce.</summary>
    private void ApplyAnnounced(SpeakerSession session, Heartbeat heartbeat, DateTimeOffset now)
    {
        session.Announced.Clear();
        foreach (var vip in heartbeat.Announced)
        {
            if (!IPValue.TryParse(vip.Address, out var address))
            {
                continue;
            }

            session.Announced[address] = vip;
            RaiseFloor(address, vip.Epoch);
            _vips.TryGetValue(address, out var record);
            if (session.Held.TryGetValue(address, out var held))
            {
                if (record is not null && record.Holder == session.Node && vip.Epoch >= record.Epoch)
                {
                    if (vip.LastGarp.ToDateTimeOffsetOrNull() is { } garp)
                    {
                        record.LastGarp = garp;
                    }

                    if (record.FailoverSince is { } lost)
                    {
                        _metrics.FailoverDuration(now - lost);
                        record.FailoverSince = null;
                    }

                    if (record.HandoverFrom is { } from)
                    {
                        FinishHandover(record, from, session.Node);
                    }
                }

                continue;
            }

            if (record is null)
            {
                RevokeStray(session, address, vip.Epoch, "no Service uses this address");
                continue;
            }

            if (record.Revoking is { } revoking && revoking.Node == session.Node)
            {
                // Revoked and not applied yet (or the Assignment it revokes is still in flight).
                revoking.WasAnnounced |= vip.Epoch >= revoking.Epoch;
                continue;
            }

            if (record.Holder is null && CouldHold(record, session.Node, vip.Epoch) && record.HandoverFrom is null && record.Revoking is null)
            {
                // Learned from the speaker: keep it where it is (a new leader moves nothing).
                record.Holder = session.Node;
                record.Epoch = vip.Epoch;
                record.EpochNode = session.Node;
                record.Interface = vip.Interface;
                record.OwnerlessSince = null;
                record.OwnerlessCause = null;
                session.Held[address] = new HeldLease(vip.Epoch, now);
                CoordinationLog.Adopted(_logger, address.ToString(), session.Node, vip.Epoch);
                if (_derived.GroupsByKey.TryGetValue(record.GroupKey, out var group))
                {
                    Report(group);
                }

                continue;
            }

            RevokeStray(session, address, vip.Epoch, record.Holder is { } other ? $"assigned to {other}" : "not assigned to this node");
        }

        ForgetDropped(session, now);

        // A stray no longer listed was stopped; one listed again later gets a new Revoke.
        if (session.StrayRevoked.Count > 0)
        {
            foreach (var stopped in session.StrayRevoked.Keys.Where(a => !session.Announced.ContainsKey(a)).ToList())
            {
                session.StrayRevoked.Remove(stopped);
            }
        }

        if (session.Revoking.Count > 0)
        {
            var released = new HashSet<string>(StringComparer.Ordinal);
            foreach (var address in session.Revoking.Where(a => !session.Announced.ContainsKey(a) && (!_vips.TryGetValue(a, out var r) || r.Revoking is not { WasAnnounced: false })).ToList())
            {
                LetGo(session, address, released);
            }

            ReassignNow(released, "ineligible", now);
        }
    }

    /// <summary>
    /// A VIP the session holds but does not announce is assigned again instead of being renewed in
    /// the dark for ever: when its heartbeats listed the current epoch before and list it no more
    /// (its lease ran out at the speaker, and a renewal never resurrects a VIP), or never listed it
    /// within <see cref="SessionTimings.TakeUpLimit"/> of the Assignment (the speaker could not apply it).
    /// </summary>
    private void ForgetDropped(SpeakerSession session, DateTimeOffset now)
    {
        List<IPValue>? dropped = null;
        foreach (var (address, held) in session.Held)
        {
            if (session.Announced.TryGetValue(address, out var listed) && listed.Epoch >= held.Epoch)
            {
                held.ListedEpoch = Math.Max(held.ListedEpoch, listed.Epoch);
            }
            else if (held.Epoch > 0 && (held.ListedEpoch >= held.Epoch || now - held.AssignedAt >= SessionTimings.TakeUpLimit))
            {
                CoordinationLog.NotAnnounced(_logger, address.ToString(), session.Node, held.Epoch, held.ListedEpoch >= held.Epoch ? "no longer listed" : "never listed since its Assignment");
                (dropped ??= []).Add(address);
            }
        }

        if (dropped is null)
        {
            return;
        }

        var affected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var address in dropped)
        {
            session.Held.Remove(address);
            if (_vips.TryGetValue(address, out var record))
            {
                LoseHolderIfHeldBy(record, session.Node, "dropped", now, affected);
            }
        }

        ReassignNow(affected, "dropped", now);
    }

    /// <summary>
    /// Revokes a VIP the speaker announces but was not given, once per epoch: the heartbeats it
    /// sends before the Revoke reaches it still list the VIP, and a Revoke for each of them would
    /// only add load to a session that is already slow.
    /// </summary>
    private static void RevokeStray(SpeakerSession session, IPValue address, ulong epoch, string reason)
    {
        if (session.StrayRevoked.TryGetValue(address, out var sent) && sent >= epoch)
        {
            return;
        }

        session.StrayRevoked[address] = epoch;
        session.Send(Revoke(address, epoch, reason));
    }

    private void FinishHandover(VipRecord record, (string Node, ulong Epoch) from, string to)
    {
        record.HandoverFrom = null;
        if (_sessions.TryGetValue(from.Node, out var old) && old.Held.Remove(record.Address))
        {
            old.Send(Revoke(record.Address, from.Epoch, $"moved to {to}"));
            CheckDrain(old);
        }
    }

    private void CheckDrain(SpeakerSession session)
    {
        if (!session.Draining || session.DrainCompleted || _collecting)
        {
            return;
        }

        foreach (var address in session.Held.Keys)
        {
            if (_vips.TryGetValue(address, out var record) && record.HandoverFrom?.Node == session.Node)
            {
                return;
            }
        }

        CompleteDrain(session);
    }

    private void CompleteDrain(SpeakerSession session)
    {
        session.DrainCompleted = true;
        var complete = new DrainComplete();
        complete.Stranded.AddRange(session.Held.Keys.Order().Select(a => a.ToString()));
        session.Send(new ControllerMessage { DrainComplete = complete });
        CoordinationLog.Drained(_logger, session.Node, complete.Stranded.Count);
    }

    /// <summary>Forgets a session's VIPs: those it held lose their owner (and are collected in <paramref name="affected"/>).</summary>
    private void Release(SpeakerSession session, string cause, DateTimeOffset now, HashSet<string> affected)
    {
        foreach (var address in session.Held.Keys)
        {
            if (_vips.TryGetValue(address, out var record))
            {
                LoseHolderIfHeldBy(record, session.Node, cause, now, affected);
            }
        }

        session.Held.Clear();
        foreach (var address in session.Revoking.ToList())
        {
            LetGo(session, address, affected);
        }
    }

    /// <summary>The old holder of an unplanned move stopped (or can no longer announce): the VIP may go elsewhere.</summary>
    private void LetGo(SpeakerSession session, IPValue address, HashSet<string> affected)
    {
        session.Revoking.Remove(address);
        if (_vips.TryGetValue(address, out var record) && record.Revoking?.Node == session.Node)
        {
            record.Revoking = null;
            affected.Add(record.GroupKey);
        }
    }

    /// <summary>
    /// Takes a VIP away from a holder that may still announce it, in an unplanned move: the Revoke
    /// goes out now, the VIP to nobody until the holder confirmed or its lease ran out (<see cref="PendingRevoke"/>).
    /// </summary>
    private void RevokeFirst(VipRecord record, SpeakerSession holder, string reason)
    {
        if (!holder.Held.Remove(record.Address, out var lease))
        {
            return;
        }

        holder.Send(Revoke(record.Address, lease.Epoch, reason));
        var announced = holder.Announced.TryGetValue(record.Address, out var vip) && vip.Epoch >= lease.Epoch;
        record.Revoking = new PendingRevoke(holder.Node, lease.Epoch, lease.RenewedAt + Lease, announced);
        holder.Revoking.Add(record.Address);
        CheckDrain(holder);
    }

    private static void LoseHolderIfHeldBy(VipRecord record, string node, string cause, DateTimeOffset now, HashSet<string> affected)
    {
        if (record.HandoverFrom?.Node == node)
        {
            record.HandoverFrom = null;
            if (record.Holder is null)
            {
                record.OwnerlessSince ??= now;
                record.OwnerlessCause ??= cause;
            }
        }

        if (record.Holder == node)
        {
            record.Holder = null;
            if (record.HandoverFrom is null)
            {
                record.OwnerlessSince ??= now;
                record.OwnerlessCause ??= cause;
            }

            affected.Add(record.GroupKey);
        }
    }

    /// <summary>
    /// A standby reports holders it cannot ping. Each one whose session is silent as well (for
    /// <see cref="SessionTimings.CutOffSilence"/> heartbeat intervals) is taken as cut off: its VIPs
    /// move now instead of when its lease runs out. Neither alone is enough: a busy holder misses
    /// heartbeats but its kernel still answers pings, and a standby with a bad path to the holder
    /// does not silence the holder's session. A holder that is in fact alive reports the new holder's
    /// first claim at once, still listing the VIP, and is revoked as a stray (<see cref="RevokeStray"/>).
    /// </summary>
    private void CutOff(SpeakerSession reporter, IEnumerable<string> unreachable, DateTimeOffset now)
    {
        foreach (var node in unreachable)
        {
            if (node != reporter.Node && _sessions.ContainsKey(node))
            {
                _unreachable[node] = (reporter.Node, now);
            }
        }

        CutOffReported(now);
    }

    /// <summary>
    /// Moves the VIPs of every reported holder whose session has now been silent long enough. A
    /// report usually arrives before the holder's silence is long enough to count (the standby
    /// needs three missed pings, 30 ms; the silence, 1.5 heartbeat intervals): it is kept, and
    /// judged again when that silence is reached instead of at the reporter's next heartbeat.
    /// </summary>
    private void CutOffReported(DateTimeOffset now)
    {
        var interval = _options.HeartbeatInterval * _scale;
        var silence = interval * SessionTimings.CutOffSilence;
        var affected = new HashSet<string>(StringComparer.Ordinal);
        DateTimeOffset? next = null;
        foreach (var (node, (reporter, at)) in _unreachable.ToList())
        {
            // A standby repeats its report with every heartbeat while the pings go unanswered.
            if (!_sessions.TryGetValue(node, out var holder) || !holder.Live || now - at > interval * 3)
            {
                _unreachable.Remove(node);
                continue;
            }

            var due = holder.LastHeartbeatAt + silence;
            if (now < due)
            {
                next = next is { } n && n < due ? n : due;
                continue;
            }

            _unreachable.Remove(node);
            holder.Live = false;
            Dirty(holder);
            _planWanted = true;
            CoordinationLog.CutOff(_logger, node, (long)(now - holder.LastHeartbeatAt).TotalMilliseconds, reporter);
            LoseHeld(holder, [.. holder.Held.Keys], "unreachable", now, affected);
        }

        ReassignNow(affected, "unreachable", now);
        if (next is { } wake)
        {
            _cutOffTimer ??= _time.CreateTimer(_ => CutOffDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _cutOffTimer.Change(wake - now, Timeout.InfiniteTimeSpan);
        }
    }

    private void CutOffDue()
    {
        lock (_gate)
        {
            if (_leading)
            {
                CutOffReported(_time.GetUtcNow());
            }
        }
    }

    /// <summary>Takes <paramref name="addresses"/> from the session without a Revoke (it can no longer be told); their groups go into <paramref name="affected"/>.</summary>
    private void LoseHeld(SpeakerSession session, IReadOnlyList<IPValue> addresses, string cause, DateTimeOffset now, HashSet<string> affected)
    {
        foreach (var address in addresses)
        {
            session.Held.Remove(address);
            if (_vips.TryGetValue(address, out var record))
            {
                LoseHolderIfHeldBy(record, session.Node, cause, now, affected);
            }
        }
    }

    /// <summary>Re-plans just these groups, synchronously: the failover path.</summary>
    private void ReassignNow(HashSet<string> groupKeys, string cause, DateTimeOffset now)
    {
        if (groupKeys.Count == 0 || _collecting)
        {
            return;
        }

        RefreshInputsIfDirty();
        var groups = groupKeys.Select(k => _derived.GroupsByKey.GetValueOrDefault(k)).OfType<VipGroup>().ToList();
        var rules = new EligibilityRules(Snapshot(), now);
        var load = GroupsPerNode(v => v.Holder);
        var standbys = groups.Select(g => (g.Key, Node: GroupStandby(g))).Where(s => s.Node is not null).ToDictionary(s => s.Key, s => s.Node!, StringComparer.Ordinal);
        foreach (var plan in AnnouncerPlanner.PlanSome(groups, rules, load, standbys, GroupsPerNode(v => v.Standby)))
        {
            ApplyGroup(plan, cause, now);
        }
    }

    /// <summary>How many groups each node holds (or stands by for), for spreading the next ones evenly.</summary>
    private Dictionary<string, int> GroupsPerNode(Func<VipRecord, string?> node) =>
        _vips.Values.Where(v => node(v) is not null).GroupBy(v => node(v)!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(v => v.GroupKey).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);

    private void MaybeStartFullPlan(DateTimeOffset now)
    {
        if (!_planWanted || _planning || _collecting || now < _nextPlanAt)
        {
            return;
        }

        _planWanted = false;
        _planning = true;
        var refresh = _inputsDirty;
        _inputsDirty = false;
        var derived = _derived;
        var speakers = _sessions.ToDictionary(s => s.Key, s => s.Value.ToFacts(), StringComparer.Ordinal);
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        var standbys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in _derived.Groups)
        {
            if (GroupHolder(group) is { } holder)
            {
                holders[group.Key] = holder;
            }

            if (GroupStandby(group) is { } standby)
            {
                standbys[group.Key] = standby;
            }
        }

        PlanTask = Task.Run(() =>
        {
            var started = _time.GetTimestamp();
            try
            {
                if (refresh)
                {
                    derived = DerivedInputs.From(_inputs(), _options, derived);
                }

                var snapshot = derived.Snapshot(speakers);
                var plans = AnnouncerPlanner.PlanAll(derived.Groups, new EligibilityRules(snapshot, _time.GetUtcNow()), holders, standbys)
                    .Select(p => p.Node is null ? p : p with
                    {
                        // Backend lists are O(nodes) per VIP: build them here, not under the lock.
                        Ports = p.Group.Addresses.Select(a => a.Family).Distinct().ToDictionary(f => f, f => BackendPlanner.Ports(p.Group, f, p.Node, snapshot)),
                    })
                    .ToList();
                lock (_gate)
                {
                    if (_leading)
                    {
                        _derived = derived;
                        _snapshot = null;
                        ApplyAll(plans, holders, _time.GetUtcNow());
                    }
                }
            }
            catch (Exception ex)
            {
                CoordinationLog.PlanFailed(_logger, ex);
                lock (_gate)
                {
                    _inputsDirty |= refresh;
                    _planWanted = true;
                }
            }
            finally
            {
                lock (_gate)
                {
                    _planning = false;

                    // A full plan costs O(VIPs × nodes); never spend more than a fifth of the time on it.
                    _nextPlanAt = _time.GetUtcNow() + (_time.GetElapsedTime(started) * 4);
                }
            }
        });
    }

    /// <summary>Applies a full plan. A group whose holder changed since the plan read it (a failover ran meanwhile) is planned again, not moved.</summary>
    private void ApplyAll(IReadOnlyList<GroupPlan> plans, IReadOnlyDictionary<string, string> holders, DateTimeOffset now)
    {
        var wanted = new HashSet<IPValue>(_vips.Count);
        foreach (var plan in plans)
        {
            for (var i = 0; i < plan.Group.Addresses.Count; i++)
            {
                wanted.Add(plan.Group.Addresses[i]);
            }

            if (GroupHolder(plan.Group) != holders.GetValueOrDefault(plan.Group.Key))
            {
                _planWanted = true;
                continue;
            }

            if (plan.Node is { } node && !(_sessions.TryGetValue(node, out var s) && s.Live && !s.Draining))
            {
                // The node went away while the plan was computed; plan again.
                _planWanted = true;
                continue;
            }

            ApplyGroup(plan, "rebalance", now);
        }

        foreach (var record in _vips.Values.Where(r => !wanted.Contains(r.Address)).ToList())
        {
            foreach (var node in new[] { record.Holder, record.HandoverFrom?.Node })
            {
                if (node is not null && _sessions.TryGetValue(node, out var session) && session.Held.Remove(record.Address))
                {
                    session.Send(Revoke(record.Address, record.Epoch, "no Service uses this address any more"));
                    CheckDrain(session);
                }
            }

            _vips.Remove(record.Address);
        }

        foreach (var key in _plans.Keys.Where(k => !_derived.GroupsByKey.ContainsKey(k)).ToList())
        {
            _plans.Remove(key);
            _reported.Remove(key);
            _warnedExcluded.Remove(key);
        }
    }

    private string? GroupHolder(VipGroup group)
    {
        // Runs for every group of every full plan: no LINQ.
        for (var i = 0; i < group.Addresses.Count; i++)
        {
            if (_vips.GetValueOrDefault(group.Addresses[i])?.Holder is { } holder)
            {
                return holder;
            }
        }

        return null;
    }

    private string? GroupStandby(VipGroup group) => _vips.GetValueOrDefault(group.Addresses[0])?.Standby;

    private void ApplyGroup(GroupPlan plan, string cause, DateTimeOffset now)
    {
        var group = plan.Group;
        if (!(_plans.TryGetValue(group.Key, out var known) && known.SameAs(plan)))
        {
            _plans[group.Key] = plan;
        }

        foreach (var address in group.Addresses)
        {
            if (!_vips.TryGetValue(address, out var record))
            {
                _vips[address] = record = new VipRecord(address) { OwnerlessSince = now, OwnerlessCause = "new" };
            }

            record.GroupKey = group.Key;
            if (plan.Node is not { } node)
            {
                var holding = record.Holder is { } holder ? _sessions.GetValueOrDefault(holder) : null;
                if (holding is { Draining: true, Live: true })
                {
                    // Nowhere to go: it stays on the draining node and is reported stranded.
                    continue;
                }

                if (holding is not null)
                {
                    RevokeFirst(record, holding, plan.Summary);
                }

                if (record.HandoverFrom is { } from && _sessions.TryGetValue(from.Node, out var old) && old.Held.Remove(address))
                {
                    old.Send(Revoke(address, from.Epoch, plan.Summary));
                }

                if (record.Holder is not null)
                {
                    _metrics.Failover("ineligible");
                }

                record.Holder = null;
                record.HandoverFrom = null;
                record.OwnerlessSince ??= now;
                record.OwnerlessCause ??= "ineligible";
                continue;
            }

            if (record.Revoking is not null)
            {
                // Goes out once the old holder let go (its heartbeat, its session end or its lease).
                continue;
            }

            var nic = plan.Interfaces[address];
            if (record.Holder == node && record.Interface == nic)
            {
                SendAssignmentIfChanged(record, group, now, plan.Ports?.GetValueOrDefault(address.Family));
                continue;
            }

            AssignTo(record, group, node, nic, record.Holder is null ? record.OwnerlessCause ?? cause : cause, now, plan.Ports?.GetValueOrDefault(address.Family));
        }

        foreach (var address in group.Addresses)
        {
            StandBy(_vips[address], plan.Node is null ? null : plan.Standby, plan.Summary);
        }

        Report(group);
        if (plan.ExcludedByLabelOnly)
        {
            if (_warnedExcluded.Add(group.Key))
            {
                _sink.Warn(group, "NoEligibleNode", $"every node is labelled {NodeFacts.ExcludeLabel}, so nothing can announce {string.Join(", ", group.Addresses)}");
            }
        }
        else
        {
            _warnedExcluded.Remove(group.Key);
        }
    }

    private void AssignTo(VipRecord record, VipGroup group, string node, string nic, string cause, DateTimeOffset now, IReadOnlyList<Rpc.Contract.V1.ServicePort>? ports)
    {
        var session = _sessions[node];
        var previous = record.Holder;
        string? handoff = null;
        if (previous is not null && previous != node && _sessions.GetValueOrDefault(previous) is { } previousSession)
        {
            if (previousSession is { Live: true } && record.HandoverFrom is null)
            {
                // The previous holder still listens (a drain, or a rule that no longer admits it:
                // nodePorts it cannot reach, a label, an advertisement edit): make before break. It
                // keeps the VIP until the new holder reports it, is then revoked, and the new holder
                // passes it the segments of connections it still carries.
                record.HandoverFrom = (previous, record.Epoch);
                handoff = NodeAddress(previous, record.Address.Family);
            }
            else
            {
                // Its heartbeats are late: it may not hear a Revoke, so break before make.
                RevokeFirst(record, previousSession, $"moving to {node}");
                if (record.Revoking is not null)
                {
                    record.Holder = null;
                    record.OwnerlessSince ??= now;
                    record.OwnerlessCause ??= cause;
                    _metrics.Failover(cause);
                    return;
                }
            }
        }

        if (record.HandoverFrom?.Node == node)
        {
            record.HandoverFrom = null;
        }

        if (record.Standby == node)
        {
            // Its speaker takes the ready ports over with the Assignment; no StandbyEnd.
            record.Standby = null;
            record.LastStandby = null;
        }

        record.Holder = node;
        record.Interface = nic;
        record.PreviousHolder = handoff ?? string.Empty;
        record.Epoch = NextEpoch(record.Address);
        record.EpochNode = node;
        record.LastAssignment = null;
        record.LastGarp = null;
        session.Held[record.Address] = new HeldLease(record.Epoch, now);
        SendAssignmentIfChanged(record, group, now, ports);
        if (record.OwnerlessSince is { } since)
        {
            _metrics.Ownerless(now - since);
            if (record.OwnerlessCause is not ("new" or "relearn"))
            {
                record.FailoverSince ??= since; // a holder was lost: timed until the next one lists it
            }

            record.OwnerlessSince = null;
            record.OwnerlessCause = null;
        }

        if (previous is not null || cause is "session-closed" or "lease-expired")
        {
            _metrics.Failover(cause);
        }

        CoordinationLog.Assigned(_logger, record.Address.ToString(), node, nic, record.Epoch, cause);
    }

    private void SendAssignmentIfChanged(VipRecord record, VipGroup group, DateTimeOffset now, IReadOnlyList<Rpc.Contract.V1.ServicePort>? ports = null)
    {
        var assignment = new Assignment
        {
            Address = record.Address.ToString(),
            Family = record.Address.Family == IPFamily.IPv4 ? AddressFamily.Ipv4 : AddressFamily.Ipv6,
            Interface = record.Interface,
            Epoch = record.Epoch,
            LeaseDuration = _speakerLease,
            ExternalTrafficPolicy = group.Local ? Rpc.Contract.V1.TrafficPolicy.Local : Rpc.Contract.V1.TrafficPolicy.Cluster,
            PreviousHolder = record.PreviousHolder,
        };
        assignment.Services.AddRange(group.Services);
        assignment.Ports.AddRange(ports ?? BackendPlanner.Ports(group, record.Address.Family, record.Holder, Snapshot()));
        if (group.AffinityTimeout is { } affinity)
        {
            assignment.SessionAffinity = new SessionAffinity { ClientIp = true, Timeout = Duration.FromTimeSpan(affinity) };
        }

        if (assignment.Equals(record.LastAssignment) || record.Holder is null || !_sessions.TryGetValue(record.Holder, out var session))
        {
            return;
        }

        record.LastAssignment = assignment;
        if (session.Held.TryGetValue(record.Address, out var held))
        {
            held.RenewedAt = now;
        }

        session.Send(new ControllerMessage { Assignment = assignment });
        SendStandbyIfChanged(record);
    }

    /// <summary>Makes <paramref name="node"/> the VIP's standby, telling the previous one it no longer is.</summary>
    private void StandBy(VipRecord record, string? node, string reason)
    {
        if (record.Standby == node)
        {
            SendStandbyIfChanged(record);
            return;
        }

        if (record.Standby is { } previous && record.LastStandby is not null && _sessions.TryGetValue(previous, out var old))
        {
            old.Send(new ControllerMessage { StandbyEnd = new StandbyEnd { Address = record.Address.ToString(), Reason = node is null ? reason : $"{node} stands by instead" } });
        }

        record.Standby = node;
        record.LastStandby = null;
        SendStandbyIfChanged(record);
    }

    /// <summary>
    /// Sends the standby what the holder's Assignment carries, without epoch or lease: the backends
    /// it gets on takeover differ at most in order, so the takeover only claims the address.
    /// </summary>
    private void SendStandbyIfChanged(VipRecord record)
    {
        if (record.Standby is not { } node || record.LastAssignment is not { } assignment || !_sessions.TryGetValue(node, out var session) || !session.Live || session.Draining)
        {
            return;
        }

        var next = assignment.Clone();
        next.Epoch = 0;
        next.LeaseDuration = null;
        next.Interface = string.Empty;
        next.PreviousHolder = string.Empty;
        var standby = new Standby
        {
            Next = next,
            HolderNode = record.Holder ?? string.Empty,
            HolderAddress = record.Holder is { } holder ? NodeAddress(holder, IPFamily.IPv4) ?? string.Empty : string.Empty,
        };
        if (standby.Equals(record.LastStandby))
        {
            return;
        }

        record.LastStandby = standby;
        session.Send(new ControllerMessage { Standby = standby });
    }

    /// <summary>The node's InternalIP of <paramref name="family"/> (or its first), as the speakers reach each other.</summary>
    private string? NodeAddress(string node, IPFamily family) => Snapshot().Nodes.GetValueOrDefault(node)?.AddressFor(family)?.ToString();

    private void Report(VipGroup group)
    {
        var first = group.Addresses[0];
        AnnouncingAnnotation? announcing = _vips.TryGetValue(first, out var r) && r.Holder is { } node
            ? new AnnouncingAnnotation(node, r.Interface, r.Epoch)
            : null;
        if (_reported.TryGetValue(group.Key, out var last) && last == announcing)
        {
            return;
        }

        _reported[group.Key] = announcing;
        _sink.Announced(group, announcing, _plans.TryGetValue(group.Key, out var plan) ? plan.Summary : "announced");
    }

    /// <summary>
    /// Whether a speaker may hold a VIP at the epoch it reports. An earlier leader's epoch (below this
    /// term's) can only be taken on trust, if it is not older than the one known; but one handed to
    /// another node is not this node's. This term's epochs were all handed out here: only the latest,
    /// to this node, is. Adopting any other would send it back in an Assignment: one epoch for two
    /// nodes, or an epoch above the next ones, so that a later holder's lease looks older.
    /// </summary>
    private bool CouldHold(VipRecord record, string node, ulong epoch) =>
        epoch < _termFloor
            ? epoch > record.Epoch || (epoch == record.Epoch && (record.EpochNode is null || record.EpochNode == node))
            : epoch == record.Epoch && record.EpochNode == node;

    private ulong NextEpoch(IPValue address)
    {
        var next = Math.Max(_epochFloor.GetValueOrDefault(address), _termFloor) + 1;
        _epochFloor[address] = next;
        return next;
    }

    private void RaiseFloor(IPValue address, ulong epoch)
    {
        // An epoch at or past the next term's first cannot have been handed out yet: taking it as the
        // floor would let one bad report (2^64-1) wrap the next epoch around to 0.
        if (epoch > _epochFloor.GetValueOrDefault(address) && (epoch < _termFloor || epoch - _termFloor < EpochsPerTerm))
        {
            _epochFloor[address] = epoch;
        }
    }

    private void EndCollectIfDone(DateTimeOffset now)
    {
        if (_collecting && (now >= _collectUntil || _awaited.All(n => _sessions.TryGetValue(n, out var s) && s.Reported)))
        {
            EndCollect();
        }
    }

    private void EndCollect()
    {
        _collecting = false;
        _planWanted = true;
        CoordinationLog.Relearned(_logger, _vips.Values.Count(v => v.Holder is not null), _vips.Count);
        foreach (var session in _sessions.Values.Where(s => s.Draining).ToList())
        {
            var groups = session.Held.Keys.Select(a => _vips.TryGetValue(a, out var r) ? r.GroupKey : null).OfType<string>().ToHashSet(StringComparer.Ordinal);
            ReassignNow(groups, "drain", _time.GetUtcNow());
            CheckDrain(session);
        }
    }

    /// <summary>
    /// Stretches every timing when the sessions would send more heartbeats than the budget. Safe to
    /// do at once: the controller waits longer from now on, and a speaker keeps counting the shorter
    /// leases it was granted until the next Configuration (sent to everyone on the next tick) tells
    /// it the new interval.
    /// </summary>
    private void GrowScale(DateTimeOffset now)
    {
        var scale = SessionTimings.Scale(_options.HeartbeatInterval, _options.HeartbeatBudget, _sessions.Count);
        if (scale <= _scale)
        {
            return;
        }

        SetScale(scale);
        CoordinationLog.TimingsScaled(_logger, _sessions.Count, _options.HeartbeatBudget, _options.HeartbeatInterval * scale, Lease);
        var period = SessionTimings.CheckPeriod(Lease);
        _timer?.Change(period, period);
        _peersDirty = true;
        _nextPeersAt = now;
    }

    /// <summary>Stretches the timings by <paramref name="scale"/>; the speakers' lease is kept as a message for every ack.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_speakerLease))]
    private void SetScale(int scale)
    {
        _scale = scale;
        _speakerLease = Duration.FromTimeSpan((_options.SpeakerLease - _options.LeaseMargin) * scale);
    }

    private void BroadcastPeers(DateTimeOffset now)
    {
        _peersDirty = false;

        // Every speaker gets every other speaker's MACs: n sessions cost n² entries (about 20 MB at
        // 1,000 speakers) to build, send and parse. While many speakers connect, broadcasting that
        // every 500 ms starves heartbeats on both ends, so the wait grows with n² (5 s at 1,000). A
        // speaker learns a new peer later then; until it does, that peer's claim is reported rather
        // than obeyed, and the controller's Revoke still ends any handover.
        var pairs = (long)_sessions.Count * _sessions.Count;
        _nextPeersAt = now + TimeSpan.FromTicks(Math.Max(PeersBroadcastPeriod.Ticks, pairs * PeersBroadcastCostPerPair.Ticks));
        var peers = _sessions.Values.Select(s => new PeerSpeaker { Node = s.Node, Macs = { s.Macs } }).ToList();
        foreach (var session in _sessions.Values)
        {
            var configuration = BaseConfiguration();
            configuration.Peers.AddRange(peers.Where(p => p.Node != session.Node));
            session.Send(new ControllerMessage { Configuration = configuration });
        }
    }

    private Configuration BuildConfiguration(string self)
    {
        var configuration = BaseConfiguration();
        configuration.Peers.AddRange(_sessions.Values.Where(s => s.Node != self).Select(s => new PeerSpeaker { Node = s.Node, Macs = { s.Macs } }));
        return configuration;
    }

    private Configuration BaseConfiguration() => new()
    {
        HeartbeatInterval = Duration.FromTimeSpan(_options.HeartbeatInterval * _scale),
        LeaseDuration = _speakerLease,
        Garp = new GarpSchedule
        {
            Count = (uint)_options.GarpCount,
            Interval = Duration.FromTimeSpan(_options.GarpInterval),
            Refresh = Duration.FromTimeSpan(_options.GarpRefresh),
        },
    };

    private static ControllerMessage Revoke(IPValue address, ulong epoch, string reason) =>
        new() { Revoke = new Rpc.Contract.V1.Revoke { Address = address.ToString(), Epoch = epoch, Reason = reason } };

    private void RefreshInputsIfDirty()
    {
        if (_inputsDirty)
        {
            _derived = DerivedInputs.From(_inputs(), _options, _derived);
            _snapshot = null;
            _inputsDirty = false;
        }
    }

    /// <summary>The planner's view of now; rebuilt only after something in it changed.</summary>
    private CoordinationSnapshot Snapshot() =>
        _snapshot ??= _derived.Snapshot(_sessions.ToDictionary(s => s.Key, s => s.Value.ToFacts(), StringComparer.Ordinal));

    private void Dirty(SpeakerSession session)
    {
        session.Facts = null;
        _snapshot = null;
    }
}
