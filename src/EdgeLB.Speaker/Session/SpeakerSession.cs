using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Health;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Session;

/// <summary>
/// The speaker's side of <c>Coordinator.Session</c>: dials the controller (finding the leader through
/// the <c>edgelb-leader</c> trailer), authenticates with the projected token, says Hello, applies
/// Configuration, Assignments, Revokes and HeartbeatAcks to the <see cref="AssignmentTable"/>,
/// heartbeats on the controller's interval and at once after every change, reconnects with jittered
/// backoff, holds VIPs while orphaned (rule: see <see cref="AssignmentTable"/>), and drains on stop.
/// </summary>
internal sealed class SpeakerSession : IDisposable
{
    /// <summary>Trailer by which a follower names the leader's gRPC address.</summary>
    public const string LeaderTrailer = "edgelb-leader";

    private readonly SessionOptions _options;
    private readonly AssignmentTable _table;
    private readonly ClaimArbiter _arbiter;
    private readonly NodeInventory _inventory;
    private readonly IAnnouncer _announcer;
    private readonly Func<IReadOnlyList<BackendHealthReport>> _health;
    private readonly Func<ControllerEndpoint, RpcChannel> _channels;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SessionMetrics _metrics;
    private HolderProbe? _probe;
    private readonly Channel<bool> _kick = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private volatile SessionPhase _phase = SessionPhase.Connecting;
    private volatile LiveSession? _live;

    public SpeakerSession(
        SessionOptions options,
        AssignmentTable table,
        ClaimArbiter arbiter,
        NodeInventory inventory,
        IAnnouncer announcer,
        Func<IReadOnlyList<BackendHealthReport>> health,
        TimeProvider time,
        ILogger logger,
        System.Diagnostics.Metrics.IMeterFactory? meters = null,
        Func<ControllerEndpoint, RpcChannel>? channels = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid session settings: " + string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _table = table;
        _arbiter = arbiter;
        _inventory = inventory;
        _announcer = announcer;
        _health = health;
        _time = time;
        _logger = logger;
        _channels = channels ?? (e => RpcChannel.Create(e.Uri, new RpcChannelOptions { ConnectTimeout = options.ConnectTimeout }));
        _metrics = new SessionMetrics(meters, () => Phase, () => _table.Count);
        _table.Changed = Kick;
        _arbiter.IsOrphaned = () => _phase == SessionPhase.Orphaned;
        _arbiter.ReportNow = Kick;
    }

    /// <summary>Pings the holders of VIPs this speaker stands by for (null: no data-plane evidence, for tests).</summary>
    public HolderProbe? Probe
    {
        get => _probe;
        init
        {
            _probe = value;
            if (value is not null)
            {
                value.OnUnreachable = Kick;
            }
        }
    }

    /// <summary>Random per process start: tells the controller that a restarted speaker holds nothing.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public SessionPhase Phase => _phase == SessionPhase.Orphaned && _table.Count == 0 ? SessionPhase.Connecting : _phase;

    /// <summary>Ready: a session with the leader is open (followers refuse sessions, so an open one is the leader's).</summary>
    public bool IsEstablished => _phase == SessionPhase.Established;

    /// <summary>The coordinator of the open session, if any.</summary>
    public ControllerEndpoint? Controller => _live is { Established: true } live ? live.Endpoint : null;

    /// <summary>
    /// Runs until <paramref name="stopping"/> is cancelled (SIGTERM), then drains: DrainRequest, wait
    /// for Revokes or DrainComplete (bounded by the drain timeout), stop announcing, and only then
    /// close the session.
    /// </summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var claimsStop = new CancellationTokenSource();
        var claims = ClaimsLoopAsync(claimsStop.Token);
        var backoff = new ReconnectBackoff(_options.ReconnectMinDelay, _options.ReconnectMaxDelay);
        var index = 0;
        var redirects = 0;
        ControllerEndpoint? next = null;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var endpoint = next ?? _options.Controllers[index];
                next = null;
                var outcome = await RunOnceAsync(endpoint, stopping);
                _metrics.Dialled(outcome.Kind.ToString().ToLowerInvariant());
                if (outcome.Kind == SessionOutcomeKind.Stopped)
                {
                    return;
                }

                if (_phase == SessionPhase.Established)
                {
                    _phase = SessionPhase.Connecting; // not ready until a leader's session is open again
                }

                TimeSpan delay;
                switch (outcome.Kind)
                {
                    case SessionOutcomeKind.Redirect when outcome.Leader is { } leader && redirects < 3 && !leader.Equals(endpoint):
                        SessionLog.Redirected(_logger, endpoint.ToString(), leader.ToString());
                        next = leader;
                        redirects++;
                        continue;
                    case SessionOutcomeKind.Lost:
                        SessionLog.Ended(_logger, endpoint.ToString(), outcome.Reason);
                        redirects = 0;
                        backoff.Reset();
                        if (outcome.Leader is { } named && !named.Equals(endpoint))
                        {
                            next = named;
                        }

                        if (_phase != SessionPhase.Orphaned && _table.Count > 0)
                        {
                            _table.EnterOrphaned(_options.OrphanLimit); // first: an Orphaned phase implies extended leases
                            _phase = SessionPhase.Orphaned;
                            SessionLog.Orphaned(_logger, _table.Count, _options.OrphanLimit);
                        }

                        delay = backoff.Next(); // the same address first: a restarted controller comes back there
                        break;
                    default:
                        SessionLog.Ended(_logger, endpoint.ToString(), outcome.Reason);
                        redirects = 0;
                        if (_phase != SessionPhase.Orphaned)
                        {
                            _phase = SessionPhase.Connecting;
                        }

                        index = (index + 1) % _options.Controllers.Count;
                        delay = backoff.Next();
                        break;
                }

                if (_phase == SessionPhase.Orphaned && outcome.Kind is SessionOutcomeKind.Failed or SessionOutcomeKind.Redirect)
                {
                    // No leader took this speaker back (nothing listening, a follower that knows no
                    // leader, a leader we could not reach): no controller can have given our VIPs to
                    // anyone without that node claiming them on the wire, which ends the holding per
                    // VIP, and a returning leader fences by epoch. So the data path outlives the
                    // control plane; the orphan limit runs only while a controller answers and refuses us.
                    _table.EnterOrphaned(_options.OrphanLimit);
                }

                if (outcome.Kind == SessionOutcomeKind.Silent)
                {
                    backoff.Reset();
                    delay = backoff.Next();
                }

                var orphanedCap = TimeSpan.FromTicks(Math.Max(_options.OrphanedReconnectMaxDelay.Ticks, _options.ReconnectMinDelay.Ticks));
                if (Phase == SessionPhase.Orphaned && delay > orphanedCap)
                {
                    // Holding VIPs without a controller: a new leader keeps them only if we report
                    // within its relearn window (2 s by default), so keep dialling briskly.
                    delay = orphanedCap;
                }

                SessionLog.Backoff(_logger, delay);
                try
                {
                    await Task.Delay(delay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            // Stopping without an open session: nothing to hand over, so just go quiet.
            await _table.ReleaseAllAsync("speaker stopping without a controller");
        }
        finally
        {
            _phase = SessionPhase.Stopped;
            await claimsStop.CancelAsync();
            await claims;

            // Silent already; connections still arriving through stale neighbour caches, or in flight, finish.
            await _table.FinishLingeringAsync();
        }
    }

    public void Dispose()
    {
        _table.Changed = null;
        _metrics.Dispose();
    }

    private async Task<SessionOutcome> RunOnceAsync(ControllerEndpoint endpoint, CancellationToken stopping)
    {
        var token = await ReadTokenAsync(stopping);
        if (token is { Length: 0 })
        {
            return new SessionOutcome(SessionOutcomeKind.Failed, "no token");
        }

        SessionLog.Dialling(_logger, endpoint.ToString());
        using var channel = _channels(endpoint);
        using var callStop = new CancellationTokenSource();
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        using var call = channel.DuplexStreaming(CoordinatorMethods.Session, new CallOptions(headers, null, callStop.Token));
        using var writer = new SessionWriter(call.RequestStream);
        var live = new LiveSession(endpoint, _time, _options);
        _live = live;

        // Read first: a refused or failing connection surfaces as the response's error, while a write
        // into a request that never started can wait for ever.
        var reading = ReadLoopAsync(call, live, callStop.Token);
        var hello = writer.WriteAsync(new SpeakerMessage { Hello = _inventory.BuildHello(InstanceId) }, callStop.Token);
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var stopRegistration = stopping.Register(() => stop.TrySetResult());
        using (var helloWait = new CancellationTokenSource())
        {
            var sent = await Task.WhenAny(hello, reading, stop.Task, Task.Delay(_options.ConnectTimeout, _time, helloWait.Token));
            await helloWait.CancelAsync();
            if (sent != hello || !hello.IsCompletedSuccessfully)
            {
                await callStop.CancelAsync();
                await hello.ContinueWith(_ => { }, TaskScheduler.Default); // observed: it ends with the call
                var ended = await reading;
                _live = null;
                if (stopping.IsCancellationRequested)
                {
                    return await StoppedAsync();
                }

                return sent == reading ? ended : new SessionOutcome(
                    SessionOutcomeKind.Failed,
                    hello.IsFaulted ? "Hello failed: " + hello.Exception?.GetBaseException().Message : "no connection within the connect timeout");
            }
        }

        using var heartbeatStop = new CancellationTokenSource();
        var heartbeats = HeartbeatLoopAsync(live, writer, callStop, heartbeatStop.Token);
        var first = await Task.WhenAny(reading, stop.Task);
        if (first != reading)
        {
            await DrainAsync(live, writer, reading);
            await heartbeatStop.CancelAsync();
            await heartbeats;
            return new SessionOutcome(SessionOutcomeKind.Stopped, "drained");
        }

        await heartbeatStop.CancelAsync();
        await heartbeats;
        _live = null;
        return await reading;
    }

    /// <summary>
    /// SIGTERM. A speaker always stops announcing before it closes its session: the controller moves
    /// VIPs at once when a session is closed from the speaker's side, so the order is what keeps two
    /// nodes from answering for one VIP.
    /// </summary>
    private async Task DrainAsync(LiveSession live, SessionWriter writer, Task<SessionOutcome> reading)
    {
        _phase = SessionPhase.Draining;
        live.Draining = true;
        var how = "no session to drain through";
        var held = _table.Count;
        if (live.Established && held > 0)
        {
            SessionLog.Draining(_logger, held, _options.DrainTimeout);
            try
            {
                await writer.WriteAsync(
                    new SpeakerMessage { DrainRequest = new DrainRequest { Reason = "speaker received SIGTERM", Deadline = Duration.FromTimeSpan(_options.DrainTimeout) } },
                    CancellationToken.None);
                using var deadline = new CancellationTokenSource();
                var timeout = Task.Delay(_options.DrainTimeout, _time, deadline.Token);
                var done = await Task.WhenAny(live.DrainDone.Task, reading, timeout);
                await deadline.CancelAsync();
                how = done == live.DrainDone.Task ? live.DrainDone.Task.Result : done == reading ? "the session ended" : "deadline passed";
            }
            catch (Exception ex) when (ex is RpcException or IOException)
            {
                how = "the drain request failed: " + ex.Message;
            }
        }
        else if (held == 0)
        {
            how = "nothing held";
        }

        await _table.ReleaseAllAsync("drained");
        SessionLog.Drained(_logger, how, held);
        try
        {
            await writer.CompleteAsync();
            using var grace = new CancellationTokenSource();
            await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(1), _time, grace.Token));
            await grace.CancelAsync();
        }
        catch (Exception ex) when (ex is RpcException or IOException or InvalidOperationException)
        {
            // The stream is already gone; nothing is announced any more, which is what matters.
        }
    }

    private async Task<SessionOutcome> StoppedAsync()
    {
        await _table.ReleaseAllAsync("speaker stopping");
        return new SessionOutcome(SessionOutcomeKind.Stopped, "stopping");
    }

    /// <summary>
    /// Reads the controller's messages. Assignments and Revokes are applied in order by a second loop,
    /// because setting up forwarding can take longer than a lease on a busy node: HeartbeatAcks must
    /// not queue behind it, or the leases they renew (the new VIP's among them) run out unread.
    /// </summary>
    private async Task<SessionOutcome> ReadLoopAsync(DuplexStreamingCall<SpeakerMessage, ControllerMessage> call, LiveSession live, CancellationToken cancellationToken)
    {
        var changes = Channel.CreateUnbounded<ControllerMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var applying = ApplyLoopAsync(changes.Reader, live);
        try
        {
            while (await call.ResponseStream.MoveNextAsync(cancellationToken))
            {
                live.Touch();
                Handle(call.ResponseStream.Current, live, changes.Writer);
            }

            return live.Established
                ? new SessionOutcome(SessionOutcomeKind.Lost, "the controller closed the stream")
                : new SessionOutcome(SessionOutcomeKind.Failed, "the stream ended before any Configuration");
        }
        catch (RpcException ex)
        {
            return CallEnded(call, live, ex);
        }
        catch (OperationCanceledException) when (live.Silent)
        {
            return new SessionOutcome(SessionOutcomeKind.Silent, "silent");
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return live.Established
                ? new SessionOutcome(SessionOutcomeKind.Lost, ex.Message)
                : new SessionOutcome(SessionOutcomeKind.Failed, ex.Message);
        }
        finally
        {
            // What the controller sent before the end still applies: the leases it carries are valid,
            // and an orphaned speaker keeps exactly what it holds.
            changes.Writer.TryComplete();
            await applying;
        }
    }

    private async Task ApplyLoopAsync(ChannelReader<ControllerMessage> changes, LiveSession live)
    {
        await _table.StandDownAllAsync("a new session started");
        _probe?.Clear();
        await foreach (var message in changes.ReadAllAsync())
        {
            switch (message.KindCase)
            {
                case ControllerMessage.KindOneofCase.Assignment:
                    _probe?.Unwatch(message.Assignment.Address);
                    await _table.AssignAsync(message.Assignment, live.Lease, CancellationToken.None);
                    break;
                case ControllerMessage.KindOneofCase.Revoke:
                    await _table.RevokeAsync(message.Revoke, CancellationToken.None);
                    if (live.Draining && _table.Count == 0)
                    {
                        live.DrainDone.TrySetResult("every VIP was revoked");
                    }

                    break;
                case ControllerMessage.KindOneofCase.Standby:
                    if (await _table.StandByAsync(message.Standby, CancellationToken.None)
                        && message.Standby.HolderNode.Length > 0 && IPAddress.TryParse(message.Standby.HolderAddress, out var holder))
                    {
                        _probe?.Watch(message.Standby.Next.Address, message.Standby.HolderNode, holder);
                    }

                    continue; // nothing announced changed: no early heartbeat
                case ControllerMessage.KindOneofCase.StandbyEnd:
                    _probe?.Unwatch(message.StandbyEnd.Address);
                    await _table.StandDownAsync(message.StandbyEnd.Address, message.StandbyEnd.Reason);
                    continue;
                default:
                    break;
            }

            Kick();
        }
    }

    private void Handle(ControllerMessage message, LiveSession live, ChannelWriter<ControllerMessage> changes)
    {
        switch (message.KindCase)
        {
            case ControllerMessage.KindOneofCase.Configuration:
                Configure(message.Configuration, live);
                break;
            case ControllerMessage.KindOneofCase.Assignment:
                _table.Expect(message.Assignment, live.Lease);
                changes.TryWrite(message);
                break;
            case ControllerMessage.KindOneofCase.Defend:
                // On the read loop, not behind Assignments being applied: neighbours that a false
                // claim turned away come back with this announcement.
                if (IPAddress.TryParse(message.Defend.Address, out var defended) && _announcer.Defend(defended, (long)message.Defend.Epoch))
                {
                    SessionLog.Defending(_logger, defended, (long)message.Defend.Epoch, message.Defend.Reason);
                }

                break;
            case ControllerMessage.KindOneofCase.Revoke:
            case ControllerMessage.KindOneofCase.Standby:
            case ControllerMessage.KindOneofCase.StandbyEnd:
                changes.TryWrite(message);
                break;
            case ControllerMessage.KindOneofCase.HeartbeatAck:
                // Rule 5: the lease runs from when the answered heartbeat left, never from the ack's
                // arrival, so a late ack cannot stretch it past the controller's.
                var since = _time.GetUtcNow();
                if (live.SentAt.TryRemove(message.HeartbeatAck.Sequence, out var sent))
                {
                    var roundTrip = _time.GetElapsedTime(sent);
                    since -= roundTrip;
                    _metrics.HeartbeatAcked(roundTrip);
                }

                _table.Renew(message.HeartbeatAck.Renewed, live.Lease, since);

                break;
            case ControllerMessage.KindOneofCase.DrainComplete:
                live.DrainDone.TrySetResult(message.DrainComplete.Stranded.Count == 0
                    ? "DrainComplete"
                    : $"DrainComplete, stranded: {string.Join(", ", message.DrainComplete.Stranded)}");
                break;
            default:
                break; // a newer controller's message kind: ignored (proto rule 5)
        }
    }

    private void Configure(Configuration configuration, LiveSession live)
    {
        if (configuration.HeartbeatInterval.ToTimeSpanOrNull() is { } interval && interval > TimeSpan.Zero)
        {
            live.Interval = interval;
        }

        if (configuration.LeaseDuration.ToTimeSpanOrNull() is { } lease && lease > TimeSpan.Zero)
        {
            live.Lease = lease;
        }

        _arbiter.SetPeers(configuration.Peers, _options.NodeName);
        if (!live.Established)
        {
            live.Established = true;
            if (_phase == SessionPhase.Orphaned)
            {
                SessionLog.OrphanEnded(_logger, $"{live.Endpoint} took over");
            }

            // A new controller takes over what an orphaned (or reconnecting) speaker holds: at most
            // one of its leases, renewed by its acks if it keeps them.
            _table.CapLeases(live.Lease);
            if (!live.Draining)
            {
                _phase = SessionPhase.Established;
            }

            SessionLog.Established(_logger, live.Endpoint.ToString(), live.Interval, live.Lease, _arbiter.PeerCount);
        }

        Kick();
    }

    private async Task HeartbeatLoopAsync(LiveSession live, SessionWriter writer, CancellationTokenSource abandon, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                await Task.WhenAny(_kick.Reader.WaitToReadAsync(wait.Token).AsTask(), Task.Delay(live.Interval, _time, wait.Token));
                await wait.CancelAsync();
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            _kick.Reader.TryRead(out _);
            var silence = live.Silence();
            var limit = live.Established ? _options.SilenceLimit : _options.ConnectTimeout;
            if (silence > limit)
            {
                SessionLog.Silent(_logger, live.Endpoint.ToString(), silence);
                live.Silent = true;
                await abandon.CancelAsync();
                return;
            }

            if (!live.Established)
            {
                continue;
            }

            try
            {
                await writer.WriteAsync(new SpeakerMessage { Heartbeat = BuildHeartbeat(live) }, cancellationToken);
                _metrics.HeartbeatSent();
            }
            catch (Exception ex) when (ex is RpcException or IOException or OperationCanceledException or InvalidOperationException)
            {
                return; // the read loop reports how the session ended
            }
        }
    }

    private Heartbeat BuildHeartbeat(LiveSession live)
    {
        var (links, node) = _inventory.LinkReport();
        var heartbeat = new Heartbeat
        {
            Sequence = ++live.Sequence,
            SentAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            NodeHealth = node,
        };
        heartbeat.Links.AddRange(links);
        heartbeat.NodePorts.AddRange(_health().Select(h => new NodePortHealth
        {
            NodeAddress = h.Target.EndPoint.Address.ToString(),
            NodePort = (uint)h.Target.EndPoint.Port,
            Protocol = Protocol.Tcp,
            Healthy = h.Available,
            ConsecutiveFailures = h.Available ? 0u : 1u,
            Error = h.LastError ?? string.Empty,
        }));
        heartbeat.Announced.AddRange(_table.Announced());
        heartbeat.ForeignClaims.AddRange(_arbiter.TakeClaims());
        heartbeat.UnreachableHolders.AddRange(_probe?.Unreachable() ?? []);
        live.SentAt[heartbeat.Sequence] = _time.GetTimestamp();
        return heartbeat;
    }

    private async Task ClaimsLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var claim in _announcer.Claims.ReadAllAsync(cancellationToken))
            {
                var peer = _arbiter.PeerOf(claim.ClaimantMac);
                _metrics.Claim(peer is not null);
                var outcome = (peer, claim.Verdict) switch
                {
                    (null, _) => "unknown MAC: defended and reported",
                    (_, ClaimVerdict.StepDown) => $"peer {peer}, while orphaned: stepped down",
                    _ => $"peer {peer}: reported for the controller to judge",
                };
                SessionLog.ClaimSeen(_logger, claim.Vip, claim.ClaimantMac.ToString(), outcome, claim.InterfaceName);
                if (claim.Verdict == ClaimVerdict.StepDown)
                {
                    await _table.SteppedDownAsync(claim.Vip, claim.Epoch, $"claimed by peer {peer} ({claim.ClaimantMac})");
                    if (_phase == SessionPhase.Orphaned && _table.Count == 0)
                    {
                        SessionLog.OrphanEnded(_logger, "every held VIP was claimed by a peer");
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task<string?> ReadTokenAsync(CancellationToken cancellationToken)
    {
        if (_options.TokenFile is not { } path)
        {
            return null;
        }

        try
        {
            var token = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            if (token.Length == 0)
            {
                SessionLog.TokenUnreadable(_logger, path, "the file is empty");
            }

            return token;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            SessionLog.TokenUnreadable(_logger, path, ex.Message);
            return string.Empty;
        }
    }

    private SessionOutcome CallEnded(DuplexStreamingCall<SpeakerMessage, ControllerMessage> call, LiveSession live, RpcException ex)
    {
        if (live.Silent)
        {
            return new SessionOutcome(SessionOutcomeKind.Silent, "silent");
        }

        switch (ex.StatusCode)
        {
            case StatusCode.Unavailable when (ex.Trailers.Get(LeaderTrailer) ?? SafeTrailers(call)?.Get(LeaderTrailer)) is { } leader:
                var named = ControllerEndpoint.TryParse(leader, out var endpoint) ? endpoint : null;
                if (live.Established)
                {
                    // A leader that steps down (or stops) ends our open session this way: a visible
                    // end like any other, so what we hold is held orphaned until the next leader.
                    return new SessionOutcome(SessionOutcomeKind.Lost, $"the controller is no longer the leader; it names {leader}", named);
                }

                return named is not null
                    ? new SessionOutcome(SessionOutcomeKind.Redirect, $"not the leader; leader is {leader}", named)
                    : new SessionOutcome(SessionOutcomeKind.Failed, $"not the leader; bad leader address \"{leader}\"");
            case StatusCode.Unauthenticated or StatusCode.PermissionDenied:
                SessionLog.Refused(_logger, live.Endpoint.ToString(), ex.StatusCode.ToString(), ex.Detail);
                return new SessionOutcome(SessionOutcomeKind.Refused, $"{ex.StatusCode}: {ex.Detail}");
            default:
                return live.Established
                    ? new SessionOutcome(SessionOutcomeKind.Lost, $"{ex.StatusCode}: {ex.Detail}")
                    : new SessionOutcome(SessionOutcomeKind.Failed, $"{ex.StatusCode}: {ex.Detail}");
        }
    }

    private static Metadata? SafeTrailers(DuplexStreamingCall<SpeakerMessage, ControllerMessage> call)
    {
        try
        {
            return call.GetTrailers();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private void Kick() => _kick.Writer.TryWrite(true);

    /// <summary>State of one dial: what the controller configured, heartbeat bookkeeping, drain progress.</summary>
    private sealed class LiveSession(ControllerEndpoint endpoint, TimeProvider time, SessionOptions options)
    {
        private long _lastReceived = time.GetTimestamp();

        public ControllerEndpoint Endpoint { get; } = endpoint;

        public volatile bool Established;

        public volatile bool Draining;

        public volatile bool Silent;

        public TimeSpan Interval { get; set; } = options.DefaultHeartbeatInterval;

        public TimeSpan Lease { get; set; } = options.DefaultLeaseDuration;

        public ulong Sequence { get; set; }

        public ConcurrentDictionary<ulong, long> SentAt { get; } = new();

        public TaskCompletionSource<string> DrainDone { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Touch() => Interlocked.Exchange(ref _lastReceived, time.GetTimestamp());

        public TimeSpan Silence() => time.GetElapsedTime(Interlocked.Read(ref _lastReceived));
    }
}
