using System.Net;
using System.Threading.Channels;
using EdgeLB.Net.Ethernet;
using EdgeLB.Speaker.Announcing;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>
/// Records what the session asks of the announcer. Leases are the session's business here: the fake
/// announces until revoked, so a VIP that stops proves the session fenced it.
/// </summary>
internal sealed class FakeAnnouncer(TimeProvider time, EventLog log) : IAnnouncer
{
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, (string Interface, long Epoch, DateTimeOffset LeaseUntil)> _held = [];
    private readonly Dictionary<IPAddress, DateTimeOffset> _heldSince = [];
    private readonly Dictionary<IPAddress, DateTimeOffset> _lastAnnounced = [];
    private readonly Channel<AddressClaim> _claims = Channel.CreateUnbounded<AddressClaim>();
    private readonly List<ClaimHandler> _handlers = [];

    public MacAddress Mac { get; } = MacAddress.Parse("02:00:00:00:06:01");

    public List<(IPAddress Vip, long Epoch, DateTimeOffset LeaseUntil)> Renewals { get; } = [];

    /// <summary>Defences asked for, by a Defend verdict or the controller's Defend, in order.</summary>
    public List<(IPAddress Vip, long Epoch)> Defences { get; } = [];

    public ChannelReader<AddressClaim> Claims => _claims.Reader;

    public (string Interface, long Epoch, DateTimeOffset LeaseUntil)? Held(IPAddress vip)
    {
        lock (_gate)
        {
            return _held.TryGetValue(vip, out var h) ? h : null;
        }
    }

    public bool Assign(IPAddress vip, string interfaceName, long epoch, DateTimeOffset leaseUntil)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(vip, out var h) && epoch < h.Epoch)
            {
                return false;
            }

            if (h == default || epoch > h.Epoch)
            {
                _heldSince[vip] = time.GetUtcNow();
            }

            _held[vip] = (interfaceName, epoch, leaseUntil);
            _lastAnnounced[vip] = time.GetUtcNow();
        }

        log.Add($"announce {vip} epoch {epoch}");
        return true;
    }

    public bool Assign(IPAddress vip, string interfaceName, long epoch, TimeSpan leaseDuration) =>
        Assign(vip, interfaceName, epoch, time.GetUtcNow() + leaseDuration);

    public bool Renew(IPAddress vip, long epoch, DateTimeOffset leaseUntil)
    {
        lock (_gate)
        {
            Renewals.Add((vip, epoch, leaseUntil));
            if (!_held.TryGetValue(vip, out var h) || epoch < h.Epoch)
            {
                return false;
            }

            if (leaseUntil > h.LeaseUntil)
            {
                _held[vip] = (h.Interface, epoch, leaseUntil);
            }

            return true;
        }
    }

    public bool Revoke(IPAddress vip)
    {
        bool removed;
        lock (_gate)
        {
            removed = _held.Remove(vip);
        }

        if (removed)
        {
            log.Add($"silence {vip}");
        }

        return removed;
    }

    /// <summary>As the real announcer's periodic refresh: frames for a held VIP leave again at <paramref name="at"/>.</summary>
    public void Refreshed(IPAddress vip, DateTimeOffset at)
    {
        lock (_gate)
        {
            _lastAnnounced[vip] = at;
        }
    }

    public DateTimeOffset? LastAnnounced(IPAddress vip)
    {
        lock (_gate)
        {
            return _held.ContainsKey(vip) && _lastAnnounced.TryGetValue(vip, out var at) ? at : null;
        }
    }

    public bool IsAnnouncing(IPAddress vip)
    {
        lock (_gate)
        {
            return _held.ContainsKey(vip);
        }
    }

    public bool Defend(IPAddress vip, long epoch)
    {
        lock (_gate)
        {
            if (!_held.TryGetValue(vip, out var h) || h.Epoch != epoch)
            {
                return false;
            }

            Defences.Add((vip, epoch));
        }

        log.Add($"defend {vip} epoch {epoch}");
        return true;
    }

    public IDisposable OnClaim(ClaimHandler handler)
    {
        lock (_gate)
        {
            _handlers.Add(handler);
        }

        return new Unsubscribe(() =>
        {
            lock (_gate)
            {
                _handlers.Remove(handler);
            }
        });
    }

    /// <summary>What the real announcer does when a frame claims a held VIP: handlers decide, the verdict is applied, the claim is published.</summary>
    public ClaimVerdict Claim(IPAddress vip, MacAddress claimant)
    {
        long epoch;
        DateTimeOffset since;
        ClaimHandler[] handlers;
        lock (_gate)
        {
            epoch = _held.TryGetValue(vip, out var h) ? h.Epoch : throw new InvalidOperationException($"{vip} is not held");
            since = _heldSince[vip];
            handlers = [.. _handlers];
        }

        var claim = new AddressClaim(vip, "eth0", Mac, claimant, ClaimKind.ArpReply, epoch, time.GetUtcNow(), 0, since);
        var verdict = handlers.Select(h => h(claim)).DefaultIfEmpty(ClaimVerdict.Ignore).Max();
        if (verdict == ClaimVerdict.StepDown)
        {
            Revoke(vip);
        }
        else if (verdict == ClaimVerdict.Defend)
        {
            Defend(vip, epoch);
        }

        _claims.Writer.TryWrite(claim with { Verdict = verdict });
        return verdict;
    }

    public PreflightReport Preflight(string interfaceName) => new(interfaceName, 2, Mac, []);

    public Task<ProbeResult> ProbeAsync(IPAddress vip, string interfaceName, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ProbeResult(vip, false, null, TimeSpan.Zero));

    private sealed class Unsubscribe(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
