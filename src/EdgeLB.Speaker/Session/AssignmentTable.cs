using System.Net;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Forwarding;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;
using EdgeLB.Rpc.Contract;

namespace EdgeLB.Speaker.Session;

/// <summary>
/// The VIPs this speaker holds, with their fencing epochs and leases, driving the announcer and the
/// forwarder. Every change goes through one async gate (the forwarder's calls are async); the
/// announcer's own receive threads never wait for it.
/// <para>
/// Lease and orphan rule. While a session with the controller is open, every VIP lives by its lease:
/// it counts from the receipt of the Assignment, or from the sending of the heartbeat whose ack
/// renewed it, and when it passes the speaker stops announcing and forwarding the VIP by itself,
/// whatever the session is doing. That is the fencing that lets the controller move a VIP off a
/// silent node after the lease without two nodes answering. Renewals that arrive while an Assignment
/// is still being applied (forwarding set-up can take longer than a lease on a busy node) count for
/// it: see <see cref="Expect"/>. When the session ends visibly (the stream is closed, reset or refused
/// from the controller's side: the controller process died, restarted or lost leadership), the
/// speaker enters orphaned holding: the VIPs whose lease is still valid at that moment get one lease
/// up to <see cref="SessionOptions.OrphanLimit"/> from then, so a controller crash darkens nothing.
/// Each dial that finds no leader to take this speaker back (connection refused or timed out, a
/// follower that knows no leader) renews that limit, so a control plane that is down for good keeps
/// every VIP served; the limit runs out only while a controller answers and refuses the speaker.
/// Orphaned holding ends (a) at that limit, (b) per VIP, the moment a known peer speaker claims it on
/// the wire (<see cref="ClaimArbiter"/>), or (c) when a session is established again: the held VIPs
/// then fall back under normal fencing with a lease of at most the new controller's lease length, so
/// the new leader — which first collects every speaker's VIPs from heartbeats — renews what it keeps
/// and the rest lapse. A session that merely goes silent is not a visible end: its leases lapse first.
/// </para>
/// <para>
/// Forwarding outlives announcing. A dropped VIP (revoked, stepped down, lease ended, released) goes
/// silent at once, but its ports keep forwarding for the forwarding linger: clients whose neighbour
/// cache still names this node, and connections in flight when the new holder's first claim went
/// out, still reach a backend instead of a reset. Forwarding without answering ARP/ND claims
/// nothing, so the fencing above is unchanged. A shutdown waits for the linger before it returns.
/// </para>
/// </summary>
internal sealed class AssignmentTable : IDisposable
{
    private readonly IAnnouncer _announcer;
    private readonly IForwarder _forwarder;
    private readonly NodeInventory _inventory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<IPAddress, HeldAssignment> _held = [];
    private readonly Dictionary<IPAddress, (ulong Epoch, DateTimeOffset LeaseUntil, DateTimeOffset ReceivedAt)> _expected = []; // guarded by _held: received, not applied yet
    private readonly Dictionary<VipPort, DateTimeOffset> _lingering = []; // guarded by _gate: port → when forwarding stops
    private readonly Dictionary<IPAddress, HashSet<VipPort>> _standing = []; // guarded by _gate: VIPs this node is next in line for → ports ready
    private readonly TimeSpan _linger;
    private readonly ConnectionHandoffService? _handoff;
    private readonly ITimer _fence;
    private readonly ITimer _lingerTimer;
    private bool _disposed;

    public AssignmentTable(IAnnouncer announcer, IForwarder forwarder, NodeInventory inventory, TimeProvider time, ILogger logger, TimeSpan forwardingLinger, ConnectionHandoffService? handoff = null)
    {
        _handoff = handoff;
        _announcer = announcer;
        _forwarder = forwarder;
        _inventory = inventory;
        _time = time;
        _logger = logger;
        _linger = forwardingLinger;
        _fence = time.CreateTimer(_ => _ = ExpireDueAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _lingerTimer = time.CreateTimer(_ => _ = StopLingeringAsync(untilLast: false), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Called after a VIP was dropped by lease end, step-down or release (not by Revoke).</summary>
    public Action? Changed { get; set; }

    public int Count
    {
        get
        {
            lock (_held)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>
    /// Notes an Assignment the moment it arrives, before <see cref="AssignAsync"/> applies it: its lease
    /// counts from now, and the HeartbeatAcks read while it is being applied renew it, so a slow
    /// forwarding set-up does not let the lease run out before the VIP is even announced.
    /// </summary>
    public void Expect(Assignment assignment, TimeSpan defaultLease)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (!IPAddress.TryParse(assignment.Address, out var vip))
        {
            return; // AssignAsync reports it
        }

        var now = _time.GetUtcNow();
        var until = now + LeaseOf(assignment.LeaseDuration, defaultLease);
        lock (_held)
        {
            if (!(_expected.TryGetValue(vip, out var expected) && expected.Epoch > assignment.Epoch))
            {
                _expected[vip] = (assignment.Epoch, until, now);
            }
        }
    }

    /// <summary>Applies an Assignment: forwarding first (so the first packet finds a listener), then announcing.</summary>
    /// <returns>False when it was ignored (lower epoch, bad address, no interface, lease over before it was applied).</returns>
    public async Task<bool> AssignAsync(Assignment assignment, TimeSpan defaultLease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (!IPAddress.TryParse(assignment.Address, out var vip))
        {
            SessionLog.BadAssignment(_logger, assignment.Address, assignment.Epoch, "not an IP address");
            return false;
        }

        var lease = LeaseOf(assignment.LeaseDuration, defaultLease);
        var receivedAt = _time.GetUtcNow();
        await _gate.WaitAsync(cancellationToken);
        try
        {
            HeldAssignment? held;
            lock (_held)
            {
                _held.TryGetValue(vip, out held);
            }

            if (held is not null && assignment.Epoch < held.Epoch)
            {
                SessionLog.StaleIgnored(_logger, "Assignment", vip, assignment.Epoch, held.Epoch);
                return false;
            }

            var interfaceName = string.IsNullOrEmpty(assignment.Interface) ? _inventory.InterfaceFor(vip) : assignment.Interface;
            if (interfaceName is null)
            {
                SessionLog.BadAssignment(_logger, assignment.Address, assignment.Epoch, "no interface named and none holds its subnet");
                return false;
            }

            var plan = ForwardingPlan.From(vip, assignment);
            foreach (var problem in plan.Problems)
            {
                SessionLog.BadAssignment(_logger, assignment.Address, assignment.Epoch, problem);
            }

            var takeover = held is null || held.Epoch != assignment.Epoch;
            held ??= new HeldAssignment(vip, assignment.Epoch, interfaceName);

            // A standby set its ports up already: only the backends may change, so the VIP is claimed
            // within a millisecond or two of the Assignment instead of after a listener and health checks.
            _standing.Remove(vip, out var standing);
            var forwardingFrom = _time.GetTimestamp();
            foreach (var (port, (backends, options)) in plan.Ports)
            {
                var forwarding = standing?.Remove(port) == true || _lingering.Remove(port); // lingering: back before its linger ended
                if (await ForwardAsync(port, backends, options, forwarding, cancellationToken))
                {
                    held.Ports.Add(port);
                }
            }

            foreach (var gone in held.Ports.Where(p => !plan.Ports.ContainsKey(p)).ToList())
            {
                await ClearPortAsync(gone);
                held.Ports.Remove(gone);
            }

            foreach (var unused in standing ?? [])
            {
                LingerLocked(unused);
            }

            var forwardingMs = (long)_time.GetElapsedTime(forwardingFrom).TotalMilliseconds;

            if (takeover && _handoff is not null && _linger > TimeSpan.Zero
                && IPAddress.TryParse(assignment.PreviousHolder, out var previous) && previous.AddressFamily == vip.AddressFamily)
            {
                // Before the first claim: from then on the client sends the previous holder's
                // connections here, and they must find the rule that passes them back. Before the
                // lease is taken from the Assignment's note, too: acks read while nft runs renew it.
                var tcp = held.Ports.Where(p => p.Protocol == ForwardProtocol.Tcp).Select(p => p.Port).ToList();
                await _handoff.StartAsync(new ConnectionHandoff(vip, tcp, previous, interfaceName, _time.GetUtcNow() + _linger), cancellationToken);
            }

            lock (_held)
            {
                var until = receivedAt + lease;
                if (TakeExpectedLocked(vip, assignment.Epoch) is { } expected)
                {
                    (until, receivedAt) = (expected.LeaseUntil, expected.ReceivedAt);
                }

                // An update of the epoch held (new backends) grants a lease too, but never shortens one.
                held.LeaseUntil = held.Epoch == assignment.Epoch && held.LeaseUntil > until ? held.LeaseUntil : until;
            }

            held.Epoch = assignment.Epoch;
            held.InterfaceName = interfaceName;
            held.Services = [.. assignment.Services];

            if (held.LeaseUntil <= _time.GetUtcNow())
            {
                // Nothing renewed it while it was being applied (the session went quiet): announcing
                // now could overlap the node the controller has since moved it to.
                await DropLockedAsync(held, "lease ended before the Assignment was applied");
                RescheduleFence();
                return false;
            }

            bool announced;
            try
            {
                announced = _announcer.Assign(vip, interfaceName, ToLong(assignment.Epoch), held.LeaseUntil);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                SessionLog.AnnounceFailed(_logger, ex, vip, interfaceName);
                announced = false;
            }

            if (announced)
            {
                held.LastGarp = _time.GetUtcNow();
            }

            lock (_held)
            {
                _held[vip] = held;
            }

            SessionLog.Assigned(_logger, vip, assignment.Epoch, interfaceName, held.Ports.Count, standing is not null, lease, (long)(_time.GetUtcNow() - receivedAt).TotalMilliseconds, forwardingMs);
            RescheduleFence();
            return true;
        }
        finally
        {
            lock (_held)
            {
                TakeExpectedLocked(vip, assignment.Epoch); // ignored: nothing is waiting to be renewed
            }

            _gate.Release();
        }
    }

    /// <summary>Applies a Revoke: stop announcing first, then stop forwarding new flows.</summary>
    /// <returns>False when it was ignored (not held, or we hold a higher epoch).</returns>
    public async Task<bool> RevokeAsync(Revoke revoke, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(revoke);
        if (!IPAddress.TryParse(revoke.Address, out var vip))
        {
            SessionLog.BadAssignment(_logger, revoke.Address, revoke.Epoch, "Revoke: not an IP address");
            return false;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            HeldAssignment? held;
            lock (_held)
            {
                _held.TryGetValue(vip, out held);
            }

            if (held is null)
            {
                return false;
            }

            if (revoke.Epoch < held.Epoch)
            {
                SessionLog.StaleIgnored(_logger, "Revoke", vip, revoke.Epoch, held.Epoch);
                return false;
            }

            await DropLockedAsync(held, string.IsNullOrEmpty(revoke.Reason) ? "revoked" : "revoked: " + revoke.Reason);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Applies a Standby: this node is next in line for the VIP, so its ports start forwarding now
    /// (listener, backends, health checks) while nothing is announced. Forwarding without answering
    /// ARP/ND attracts no traffic, so a standby cannot take part in a split brain.
    /// </summary>
    /// <returns>False when it was ignored (bad address, or the VIP is held here).</returns>
    public async Task<bool> StandByAsync(Standby standby, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(standby);
        if (standby.Next is not { } next || !IPAddress.TryParse(next.Address, out var vip))
        {
            SessionLog.BadStandby(_logger, standby.Next?.Address ?? string.Empty, "not an IP address");
            return false;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            lock (_held)
            {
                if (_held.ContainsKey(vip))
                {
                    return false; // the Assignment's ports are what count while it is held
                }
            }

            var plan = ForwardingPlan.From(vip, next);
            foreach (var problem in plan.Problems)
            {
                SessionLog.BadStandby(_logger, next.Address, problem);
            }

            var ready = _standing.GetValueOrDefault(vip) ?? [];
            foreach (var (port, (backends, options)) in plan.Ports)
            {
                var forwarding = ready.Contains(port) || _lingering.Remove(port);
                if (await ForwardAsync(port, backends, options, forwarding, cancellationToken))
                {
                    ready.Add(port);
                }
                else
                {
                    ready.Remove(port);
                }
            }

            foreach (var gone in ready.Where(p => !plan.Ports.ContainsKey(p)).ToList())
            {
                ready.Remove(gone);
                LingerLocked(gone);
            }

            if (ready.Count > 0)
            {
                _standing[vip] = ready;
            }
            else
            {
                _standing.Remove(vip);
            }

            SessionLog.StandingBy(_logger, vip, ready.Count);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Applies a StandbyEnd: the ports stop forwarding after the linger, like a dropped VIP's.</summary>
    public async Task StandDownAsync(string address, string reason)
    {
        if (!IPAddress.TryParse(address, out var vip))
        {
            SessionLog.BadStandby(_logger, address, "StandbyEnd: not an IP address");
            return;
        }

        await _gate.WaitAsync();
        try
        {
            StandDownLocked(vip, reason);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new session starts: standbys were the previous controller's plan, and the new one sends its own.</summary>
    public async Task StandDownAllAsync(string reason)
    {
        if (!await TryEnterAsync())
        {
            return;
        }

        try
        {
            foreach (var vip in _standing.Keys.ToList())
            {
                StandDownLocked(vip, reason);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>VIPs this node stands by for, with their ready ports, for tests and status.</summary>
    public IReadOnlyDictionary<IPAddress, int> Standing()
    {
        _gate.Wait();
        try
        {
            return _standing.ToDictionary(s => s.Key, s => s.Value.Count);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Renews the leases a HeartbeatAck lists, counting from <paramref name="since"/>: when the
    /// heartbeat it answers was sent.
    /// </summary>
    public void Renew(IEnumerable<LeaseRenewal> renewals, TimeSpan defaultLease, DateTimeOffset since)
    {
        ArgumentNullException.ThrowIfNull(renewals);
        lock (_held)
        {
            foreach (var renewal in renewals)
            {
                if (!IPAddress.TryParse(renewal.Address, out var vip))
                {
                    continue;
                }

                var until = since + LeaseOf(renewal.LeaseDuration, defaultLease);
                if (_expected.TryGetValue(vip, out var expected) && expected.Epoch == renewal.Epoch && until > expected.LeaseUntil)
                {
                    _expected[vip] = expected with { LeaseUntil = until };
                }

                if (!_held.TryGetValue(vip, out var held) || renewal.Epoch != held.Epoch)
                {
                    continue; // not ours, or for another epoch: a renewal never resurrects or re-fences
                }

                if (until > held.LeaseUntil)
                {
                    held.LeaseUntil = until;
                    _announcer.Renew(held.Vip, ToLong(held.Epoch), until);
                }
            }
        }

        RescheduleFence();
    }

    /// <summary>The session ended visibly (or a dial found no leader since): hold every still-valid VIP up to <paramref name="limit"/> from now.</summary>
    public void EnterOrphaned(TimeSpan limit)
    {
        var now = _time.GetUtcNow();
        var until = now + limit;
        lock (_held)
        {
            foreach (var held in _held.Values.Where(h => h.LeaseUntil > now))
            {
                held.LeaseUntil = until;
                _announcer.Renew(held.Vip, ToLong(held.Epoch), until);
            }
        }

        RescheduleFence();
    }

    /// <summary>A new session is established: no held VIP may outlive one lease of the new controller unless it renews it.</summary>
    public void CapLeases(TimeSpan lease)
    {
        var cap = _time.GetUtcNow() + lease;
        lock (_held)
        {
            foreach (var held in _held.Values.Where(h => h.LeaseUntil > cap))
            {
                held.LeaseUntil = cap; // the announcer keeps its longer lease; the fence below ends it
            }
        }

        RescheduleFence();
    }

    /// <summary>The announcer stepped down for a peer: stop forwarding too and forget the VIP.</summary>
    public async Task SteppedDownAsync(IPAddress vip, long epoch, string reason)
    {
        await _gate.WaitAsync();
        try
        {
            HeldAssignment? held;
            lock (_held)
            {
                _held.TryGetValue(vip, out held);
            }

            if (held is not null && ToLong(held.Epoch) == epoch && !_announcer.IsAnnouncing(vip))
            {
                await DropLockedAsync(held, reason);
            }
        }
        finally
        {
            _gate.Release();
        }

        Changed?.Invoke();
    }

    /// <summary>Stops announcing every VIP, then stops forwarding them (drain, orphan end, shutdown).</summary>
    public async Task ReleaseAllAsync(string reason)
    {
        await _gate.WaitAsync();
        try
        {
            List<HeldAssignment> all;
            lock (_held)
            {
                all = [.. _held.Values];
            }

            // Silence first, for every VIP, before any slower forwarder work.
            foreach (var held in all)
            {
                _announcer.Revoke(held.Vip);
            }

            foreach (var held in all)
            {
                await DropLockedAsync(held, reason);
            }
        }
        finally
        {
            _gate.Release();
        }

        Changed?.Invoke();
    }

    /// <summary>What the heartbeat reports as announced: held VIPs the announcer speaks for right now.</summary>
    public IReadOnlyList<AnnouncedVip> Announced()
    {
        lock (_held)
        {
            return [.. _held.Values
                .Where(h => _announcer.IsAnnouncing(h.Vip))
                .OrderBy(h => h.Vip.ToString(), StringComparer.Ordinal)
                .Select(h => new AnnouncedVip
                {
                    Address = h.Vip.ToString(),
                    Epoch = h.Epoch,
                    Interface = h.InterfaceName,
                    LastGarp = LastAnnouncement(h) is { } at ? Timestamp.FromDateTimeOffset(at) : null,
                })];
        }
    }

    /// <summary>The newest announcement of any kind: the announcer's refreshes keep going after the session's burst.</summary>
    private DateTimeOffset? LastAnnouncement(HeldAssignment held)
    {
        var refreshed = _announcer.LastAnnounced(held.Vip);
        DateTimeOffset? burst = held.LastGarp == default ? null : held.LastGarp;
        return refreshed > burst || burst is null ? refreshed : burst;
    }

    public HeldAssignment? Find(IPAddress vip)
    {
        lock (_held)
        {
            return _held.GetValueOrDefault(vip);
        }
    }

    /// <summary>Waits until every lingering port's linger has passed, then stops forwarding them (shutdown).</summary>
    public Task FinishLingeringAsync() => StopLingeringAsync(untilLast: true);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _fence.Dispose();
            _lingerTimer.Dispose();
            _gate.Dispose();
        }
    }

    /// <summary>Stops every VIP whose lease has passed; runs on the fence timer.</summary>
    internal async Task ExpireDueAsync()
    {
        if (_disposed)
        {
            return;
        }

        var dropped = false;
        if (!await TryEnterAsync())
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            List<HeldAssignment> due;
            lock (_held)
            {
                due = [.. _held.Values.Where(h => h.LeaseUntil <= now)];
            }

            foreach (var held in due)
            {
                _announcer.Revoke(held.Vip);
                await DropLockedAsync(held, "lease ended");
                dropped = true;
            }
        }
        finally
        {
            _gate.Release();
        }

        RescheduleFence();
        if (dropped)
        {
            Changed?.Invoke();
        }
    }

    private async Task DropLockedAsync(HeldAssignment held, string reason)
    {
        _announcer.Revoke(held.Vip);
        foreach (var port in held.Ports)
        {
            if (_linger <= TimeSpan.Zero)
            {
                await ClearPortAsync(port);
            }
            else
            {
                LingerLocked(port);
            }
        }

        lock (_held)
        {
            _held.Remove(held.Vip);
        }

        SessionLog.Dropped(_logger, held.Vip, held.Epoch, reason);
    }

    private void StandDownLocked(IPAddress vip, string reason)
    {
        if (!_standing.Remove(vip, out var ready))
        {
            return;
        }

        foreach (var port in ready)
        {
            LingerLocked(port);
        }

        SessionLog.StoodDown(_logger, vip, reason);
    }

    /// <summary>
    /// Keeps a port forwarding for the linger, then stops it (a zero linger stops it on the next
    /// linger tick, which is due at once).
    /// </summary>
    private void LingerLocked(VipPort port)
    {
        _lingering[port] = _time.GetUtcNow() + _linger;
        RescheduleLingerLocked();
    }

    /// <summary>
    /// Sets a port's backends. <paramref name="forwarding"/> says it is forwarding already (lingering
    /// or standing by): when that fails it is stopped, not left half-configured.
    /// </summary>
    private async Task<bool> ForwardAsync(VipPort port, IReadOnlyList<Forwarding.Backend> backends, ServiceForwardingOptions options, bool forwarding, CancellationToken cancellationToken)
    {
        try
        {
            await _forwarder.SetBackendsAsync(port, backends, options, cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            SessionLog.ForwardingFailed(_logger, ex, port.ToString());
            if (forwarding)
            {
                await ClearPortAsync(port);
            }

            return false;
        }
    }

    /// <summary>Stops forwarding the lingering ports whose linger has passed; with <paramref name="untilLast"/>, first waits for the last one.</summary>
    private async Task StopLingeringAsync(bool untilLast)
    {
        if (_disposed)
        {
            return;
        }

        if (untilLast)
        {
            DateTimeOffset last;
            await _gate.WaitAsync();
            try
            {
                last = _lingering.Count == 0 ? default : _lingering.Values.Max();
            }
            finally
            {
                _gate.Release();
            }

            var wait = last - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time);
            }
        }

        if (!await TryEnterAsync())
        {
            return;
        }

        try
        {
            var now = _time.GetUtcNow();
            foreach (var port in _lingering.Where(l => l.Value <= now).Select(l => l.Key).ToList())
            {
                _lingering.Remove(port);
                await ClearPortAsync(port);
            }

            RescheduleLingerLocked();
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RescheduleLingerLocked()
    {
        if (_disposed)
        {
            return;
        }

        var due = _lingering.Count == 0 ? Timeout.InfiniteTimeSpan : _lingering.Values.Min() - _time.GetUtcNow();
        if (_lingering.Count > 0 && due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        try
        {
            _lingerTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task ClearPortAsync(VipPort port)
    {
        try
        {
            await _forwarder.ClearAsync(port, CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.Net.Sockets.SocketException)
        {
            SessionLog.ForwardingFailed(_logger, ex, port.ToString());
        }
    }

    private void RescheduleFence()
    {
        if (_disposed)
        {
            return;
        }

        DateTimeOffset? earliest;
        lock (_held)
        {
            earliest = _held.Count == 0 ? null : _held.Values.Min(h => h.LeaseUntil);
        }

        var due = earliest is { } e ? e - _time.GetUtcNow() : Timeout.InfiniteTimeSpan;
        if (earliest is not null && due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        try
        {
            _fence.Change(due, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Enters the gate from a timer callback; false once the table is disposed (shutdown).</summary>
    private async Task<bool> TryEnterAsync()
    {
        try
        {
            await _gate.WaitAsync();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Removes and returns what <see cref="Expect"/> noted for this VIP at this epoch; a newer
    /// Assignment's note, queued behind this one, stays for it.
    /// </summary>
    private (ulong Epoch, DateTimeOffset LeaseUntil, DateTimeOffset ReceivedAt)? TakeExpectedLocked(IPAddress vip, ulong epoch)
    {
        if (_expected.TryGetValue(vip, out var expected) && expected.Epoch == epoch)
        {
            _expected.Remove(vip);
            return expected;
        }

        return null;
    }

    private static TimeSpan LeaseOf(Duration? given, TimeSpan defaultLease) =>
        given.ToTimeSpanOrNull() is { } lease && lease > TimeSpan.Zero ? lease : defaultLease;

    private static long ToLong(ulong epoch) => epoch > long.MaxValue ? long.MaxValue : (long)epoch;
}
