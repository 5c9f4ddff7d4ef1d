using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Ip;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Announcing;

/// <summary>
/// The <see cref="IAnnouncer"/> for Linux interfaces. Mutations (assign, renew, revoke, timers) are
/// serialised by one lock; the per-interface receive threads answer without taking it.
/// </summary>
internal sealed class Announcer : IAnnouncer, IDisposable
{
    private readonly ILinkEnvironment _environment;
    private readonly AnnouncerOptions _options;
    private readonly TimeSpan[] _repeats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AnnouncerMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AnnouncerPort> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, Holding> _held = [];
    private readonly Channel<AddressClaim> _claims = Channel.CreateBounded<AddressClaim>(
        new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = false });

    private volatile ClaimHandler[] _handlers = [];
    private IDisposable? _linkWatch;
    private bool _disposed;

    public Announcer(ILinkEnvironment environment, AnnouncerOptions options, TimeProvider time, ILogger logger, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        _environment = environment;
        _options = options;
        _repeats = [.. options.RepeatSchedule.Order()];
        _time = time;
        _logger = logger;
        _metrics = new AnnouncerMetrics(meterFactory, HeldCount);
    }

    public ChannelReader<AddressClaim> Claims => _claims.Reader;

    public bool Assign(IPAddress vip, string interfaceName, long epoch, TimeSpan leaseDuration) =>
        Assign(vip, interfaceName, epoch, _time.GetUtcNow() + leaseDuration);

    public bool Assign(IPAddress vip, string interfaceName, long epoch, DateTimeOffset leaseUntil)
    {
        vip = Normalize(vip);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _time.GetUtcNow();
            if (leaseUntil <= now)
            {
                AnnouncerLog.AssignRefused(_logger, vip, epoch, "the lease has already ended");
                return false;
            }

            if (_held.TryGetValue(vip, out var existing))
            {
                if (epoch < existing.Epoch)
                {
                    AnnouncerLog.AssignRefused(_logger, vip, epoch, $"epoch {existing.Epoch} is held");
                    return false;
                }

                if (existing.Port.Name == interfaceName)
                {
                    if (epoch > existing.Epoch)
                    {
                        existing.HeldSince = now;
                    }

                    existing.Epoch = epoch;
                    existing.LeaseUntil = leaseUntil;
                    SendAnnouncement(existing);
                    ScheduleLease(existing, now);
                    StartRepeats(existing);
                    AnnouncerLog.Assigned(_logger, vip, interfaceName, existing.Port.Mac, epoch, leaseUntil);
                    return true;
                }

                RemoveLocked(existing, $"moved to {interfaceName}");
            }

            var port = GetPortLocked(interfaceName);
            var holding = new Holding(vip, port, epoch, leaseUntil, now);
            _held[vip] = holding;
            port.Add(holding);

            // The first frames leave here, on the caller's thread, before any timer or log line.
            SendAnnouncement(holding);
            StartRepeats(holding);
            if (_options.RefreshInterval > TimeSpan.Zero)
            {
                holding.RefreshTimer = _time.CreateTimer(_ => Announce(holding), null, _options.RefreshInterval, _options.RefreshInterval);
            }

            ScheduleLease(holding, now);
            AnnouncerLog.Assigned(_logger, vip, interfaceName, port.Mac, epoch, leaseUntil);
            return true;
        }
    }

    public bool Renew(IPAddress vip, long epoch, DateTimeOffset leaseUntil)
    {
        vip = Normalize(vip);
        lock (_gate)
        {
            if (!_held.TryGetValue(vip, out var holding) || epoch < holding.Epoch)
            {
                return false;
            }

            var now = _time.GetUtcNow();
            if (!holding.IsValidAt(now))
            {
                RemoveLocked(holding, "the lease ended before renewal");
                return false;
            }

            holding.Epoch = epoch;
            if (leaseUntil > holding.LeaseUntil)
            {
                holding.LeaseUntil = leaseUntil;
                ScheduleLease(holding, now);
            }

            return true;
        }
    }

    public bool Revoke(IPAddress vip)
    {
        vip = Normalize(vip);
        lock (_gate)
        {
            if (!_held.TryGetValue(vip, out var holding))
            {
                return false;
            }

            RemoveLocked(holding, "revoked");
            return true;
        }
    }

    public bool IsAnnouncing(IPAddress vip)
    {
        vip = Normalize(vip);
        lock (_gate)
        {
            return _held.TryGetValue(vip, out var holding) && holding.IsValidAt(_time.GetUtcNow());
        }
    }

    public DateTimeOffset? LastAnnounced(IPAddress vip)
    {
        lock (_gate)
        {
            return _held.TryGetValue(vip, out var holding) && holding.LastAnnounced != default ? holding.LastAnnounced : null;
        }
    }

    public bool Defend(IPAddress vip, long epoch)
    {
        vip = Normalize(vip);
        lock (_gate)
        {
            if (!_held.TryGetValue(vip, out var holding) || holding.Epoch != epoch || !holding.IsValidAt(_time.GetUtcNow()))
            {
                return false;
            }

            DefendLocked(holding);
            return true;
        }
    }

    public IDisposable OnClaim(ClaimHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    public PreflightReport Preflight(string interfaceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        AnnouncerPort port;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            port = GetPortLocked(interfaceName);
        }

        var findings = PreflightChecks.Run(_environment, interfaceName);
        foreach (var finding in findings)
        {
            _metrics.Finding(interfaceName, finding);
            if (finding.Severity == PreflightSeverity.Warning)
            {
                AnnouncerLog.PreflightWarning(_logger, interfaceName, finding.Check, finding.Value, finding.Message);
            }
            else
            {
                AnnouncerLog.PreflightInfo(_logger, interfaceName, finding.Check, finding.Value, finding.Message);
            }
        }

        return new PreflightReport(interfaceName, port.Index, port.Mac, findings);
    }

    public async Task<ProbeResult> ProbeAsync(IPAddress vip, string interfaceName, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        vip = Normalize(vip);
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        var window = timeout ?? _options.ProbeTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero, nameof(timeout));
        AnnouncerPort port;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            port = GetPortLocked(interfaceName);
        }

        var started = Stopwatch.GetTimestamp();
        var isV6 = vip.AddressFamily == AddressFamily.InterNetworkV6;
        var waiter = port.StartProbe(isV6 ? null : IPv4Address.From(vip), isV6 ? IPv6Address.From(vip) : null);
        try
        {
            var interval = window / _options.ProbeCount;
            for (var i = 0; i < _options.ProbeCount && !waiter.Answered.Task.IsCompleted; i++)
            {
                port.SendProbe(waiter);
                await Task.WhenAny(waiter.Answered.Task, Task.Delay(interval, _time, cancellationToken));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            port.EndProbe(waiter);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (waiter.Answered.Task.IsCompletedSuccessfully)
        {
            var owner = waiter.Answered.Task.Result;
            _metrics.ProbeConflict(interfaceName, isV6 ? "ipv6" : "ipv4");
            AnnouncerLog.ProbeConflict(_logger, vip, interfaceName, owner);
            return new ProbeResult(vip, true, owner, elapsed);
        }

        return new ProbeResult(vip, false, null, elapsed);
    }

    public void Dispose()
    {
        AnnouncerPort[] ports;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var holding in _held.Values)
            {
                holding.Deactivate();
            }

            _held.Clear();
            ports = [.. _ports.Values];
            _ports.Clear();
        }

        _linkWatch?.Dispose();

        foreach (var port in ports)
        {
            port.Dispose();
        }

        _claims.Writer.TryComplete();
        _metrics.Dispose();
    }

    /// <summary>Called on a receive thread when another MAC claims <paramref name="holding"/>'s address.</summary>
    internal void OnClaim(Holding holding, MacAddress claimant, ClaimKind kind, long receivedTimestamp)
    {
        if (!holding.Active)
        {
            return;
        }

        var port = holding.Port;
        _metrics.ClaimSeen(port.Name, holding.Family);
        var claim = new AddressClaim(holding.Vip, port.Name, port.Mac, claimant, kind, holding.Epoch, _time.GetUtcNow(), receivedTimestamp, holding.HeldSince);
        var verdict = ClaimVerdict.Ignore;
        foreach (var handler in _handlers)
        {
            try
            {
                var said = handler(claim);
                if (said > verdict)
                {
                    verdict = said;
                }
            }
            catch (Exception ex)
            {
                AnnouncerLog.ClaimHandlerFailed(_logger, ex, holding.Vip);
            }
        }

        if (verdict == ClaimVerdict.StepDown)
        {
            var removed = false;
            lock (_gate)
            {
                if (_held.TryGetValue(holding.Vip, out var current) && current == holding)
                {
                    holding.Deactivate();
                    _held.Remove(holding.Vip);
                    port.Remove(holding);
                    removed = true;
                }
            }

            if (removed)
            {
                _metrics.SteppedDown(port.Name, Stopwatch.GetElapsedTime(receivedTimestamp).TotalMilliseconds);
                AnnouncerLog.Stopped(_logger, holding.Vip, port.Name, $"stepped down for {claimant}");
            }
        }
        else if (verdict == ClaimVerdict.Defend)
        {
            lock (_gate)
            {
                DefendLocked(holding);
            }
        }

        AnnouncerLog.Claimed(_logger, holding.Vip, port.Name, claimant, kind, port.Mac, verdict);
        _claims.Writer.TryWrite(claim with { Verdict = verdict });
    }

    /// <summary>
    /// Answers a false claim with our own announcement (RFC 5227 §2.4 (b)/(c): a VIP is defended,
    /// never given up to a frame): at once when the last defence is at least a defend interval old,
    /// otherwise once when that interval has passed, so a claim that persists is answered again
    /// while a flood of them costs at most one announcement per interval.
    /// </summary>
    private void DefendLocked(Holding holding)
    {
        if (!holding.Active || holding.DefendTimer is not null)
        {
            return; // a deferred defence is already due
        }

        var since = holding.LastDefendTimestamp is { } last ? _time.GetElapsedTime(last) : TimeSpan.MaxValue;
        if (since >= _options.DefendInterval)
        {
            SendDefenceLocked(holding, deferred: false);
            return;
        }

        holding.DefendTimer = _time.CreateTimer(_ => DeferredDefence(holding), null, _options.DefendInterval - since, Timeout.InfiniteTimeSpan);
    }

    private void DeferredDefence(Holding holding)
    {
        lock (_gate)
        {
            holding.DefendTimer?.Dispose();
            holding.DefendTimer = null;
            if (holding.IsValidAt(_time.GetUtcNow()))
            {
                SendDefenceLocked(holding, deferred: true);
            }
        }
    }

    private void SendDefenceLocked(Holding holding, bool deferred)
    {
        holding.LastDefendTimestamp = _time.GetTimestamp();
        SendAnnouncement(holding);
        _metrics.Defended(holding.Port.Name, holding.Family, deferred);
    }

    /// <summary>A receive thread saw a request for an address whose lease has run out before its timer fired.</summary>
    internal void ExpireIfDue(Holding holding)
    {
        lock (_gate)
        {
            if (holding.Active && !holding.IsValidAt(_time.GetUtcNow()) && _held.TryGetValue(holding.Vip, out var current) && current == holding)
            {
                RemoveLocked(holding, "lease ended");
            }
        }
    }

    private static IPAddress Normalize(IPAddress vip)
    {
        ArgumentNullException.ThrowIfNull(vip);
        if (vip.IsIPv4MappedToIPv6)
        {
            vip = vip.MapToIPv4();
        }

        switch (vip.AddressFamily)
        {
            case AddressFamily.InterNetwork:
                var v4 = IPv4Address.From(vip);
                if (v4.IsAny || v4.Value == uint.MaxValue || (v4.Value >> 28) == 0xE)
                {
                    throw new ArgumentException($"{vip} cannot be announced: it is unspecified, broadcast or multicast", nameof(vip));
                }

                return vip;
            case AddressFamily.InterNetworkV6:
                var v6 = IPv6Address.From(vip);
                if (v6.IsUnspecified || v6.IsMulticast || v6.IsLinkLocal)
                {
                    throw new ArgumentException($"{vip} cannot be announced: it is unspecified, multicast or link-local", nameof(vip));
                }

                return v6.ToIPAddress(); // without scope id, so equal addresses are one key
            default:
                throw new ArgumentException($"{vip} is neither IPv4 nor IPv6", nameof(vip));
        }
    }

    private AnnouncerPort GetPortLocked(string interfaceName)
    {
        if (!_ports.TryGetValue(interfaceName, out var port))
        {
            var link = _environment.OpenPort(interfaceName);
            port = new AnnouncerPort(this, link, _time, _metrics, _logger, _options.ReceivePollInterval);
            _ports[interfaceName] = port;
            _linkWatch ??= _environment.WatchLinks(OnLinkChange);
        }

        return port;
    }

    /// <summary>
    /// A link that comes back (cable, switch port, bond member) starts with switches and neighbours
    /// that may have forgotten us: announce everything on it again at once.
    /// </summary>
    private void OnLinkChange(InterfaceChangedEventArgs change)
    {
        if (change.Kind is not (InterfaceChangeKind.LinkChanged or InterfaceChangeKind.Overrun))
        {
            return;
        }

        AnnouncerPort[] ports;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            ports = [.. _ports.Values.Where(p => change.Kind == InterfaceChangeKind.Overrun || p.Index == change.InterfaceIndex)];
        }

        if (ports.Length == 0)
        {
            return;
        }

        IReadOnlyList<LinkInterface> interfaces;
        try
        {
            interfaces = _environment.GetInterfaces();
        }
        catch (Exception ex) when (ex is SocketException or InvalidOperationException)
        {
            AnnouncerLog.ReceiveFailed(_logger, ex, ports[0].Name);
            return;
        }

        foreach (var port in ports)
        {
            var link = interfaces.FirstOrDefault(i => i.Index == port.Index);
            var up = link is { IsUp: true, HasCarrier: true };
            var cameBack = false;
            lock (_gate)
            {
                cameBack = up && !port.LinkUp;
                port.LinkUp = up;
            }

            if (link is not null && link.Mac != port.Mac)
            {
                AnnouncerLog.MacChanged(_logger, port.Name, port.Mac, link.Mac);
            }

            if (cameBack)
            {
                AnnouncerLog.LinkBack(_logger, port.Name);
                foreach (var holding in port.Holdings)
                {
                    Announce(holding);
                }
            }
        }
    }

    private void StartRepeats(Holding holding)
    {
        holding.RepeatTimer?.Dispose();
        holding.RepeatTimer = null;
        holding.RepeatIndex = 0;
        if (_repeats.Length > 0)
        {
            holding.RepeatTimer = _time.CreateTimer(_ => Repeat(holding), null, _repeats[0], Timeout.InfiniteTimeSpan);
        }
    }

    private void Repeat(Holding holding)
    {
        lock (_gate)
        {
            if (!Announce(holding))
            {
                return;
            }

            var next = ++holding.RepeatIndex;
            if (next < _repeats.Length)
            {
                holding.RepeatTimer?.Change(_repeats[next] - _repeats[next - 1], Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void SendAnnouncement(Holding holding)
    {
        holding.Port.SendAnnouncement(holding);
        holding.LastAnnounced = _time.GetUtcNow();
    }

    private bool Announce(Holding holding)
    {
        lock (_gate)
        {
            if (!holding.Active)
            {
                return false;
            }

            if (!holding.IsValidAt(_time.GetUtcNow()))
            {
                RemoveLocked(holding, "lease ended");
                return false;
            }

            SendAnnouncement(holding);
            return true;
        }
    }

    private void ScheduleLease(Holding holding, DateTimeOffset now)
    {
        var due = holding.LeaseUntil - now;
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        if (holding.LeaseTimer is null)
        {
            holding.LeaseTimer = _time.CreateTimer(_ => LeaseDue(holding), null, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            holding.LeaseTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void LeaseDue(Holding holding)
    {
        lock (_gate)
        {
            if (!holding.Active)
            {
                return;
            }

            var now = _time.GetUtcNow();
            if (holding.IsValidAt(now))
            {
                ScheduleLease(holding, now); // renewed meanwhile
                return;
            }

            RemoveLocked(holding, "lease ended");
        }
    }

    private void RemoveLocked(Holding holding, string reason)
    {
        holding.Deactivate();
        _held.Remove(holding.Vip);
        holding.Port.Remove(holding);
        AnnouncerLog.Stopped(_logger, holding.Vip, holding.Port.Name, reason);
    }

    private int HeldCount()
    {
        lock (_gate)
        {
            return _held.Count;
        }
    }

    private void Unsubscribe(ClaimHandler handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers.Where(h => h != handler)];
        }
    }

    private sealed class Subscription(Announcer owner, ClaimHandler handler) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(handler);
    }
}
