using System.Net;
using EdgeLB.Speaker.Health;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// The forwarder: keeps one <see cref="BackendPool"/> per VIP:port, health-tracks every backend,
/// puts each VIP on the node while any of its ports is forwarded, and hands pools to the data plane.
/// Calls are serialized; the data path never waits for this lock.
/// </summary>
internal sealed class ForwardingService : IForwarder
{
    private readonly IDataPlane _plane;
    private readonly IVipBinder _binder;
    private readonly HealthChecker _health;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<VipPort, BackendPool> _pools = [];
    private readonly Dictionary<IPAddress, int> _addressRefs = [];

    public ForwardingService(IDataPlane plane, IVipBinder binder, HealthChecker health, TimeProvider? time = null, ILogger<ForwardingService>? logger = null)
    {
        _plane = plane;
        _binder = binder;
        _health = health;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ForwardingService>.Instance;
        _health.Changed += OnHealthChanged;
    }

    public IReadOnlyCollection<VipPort> Forwarded
    {
        get
        {
            _gate.Wait();
            try
            {
                return [.. _pools.Keys];
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _plane.CleanupAsync(cancellationToken);
        await _binder.CleanupAsync(cancellationToken);
    }

    public async Task SetBackendsAsync(VipPort vip, IReadOnlyList<Backend> backends, ServiceForwardingOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        vip.Validate(nameof(vip));
        options.Validate(nameof(options));
        foreach (var b in backends)
        {
            if (b.Weight is < 1 or > 256)
            {
                throw new ArgumentOutOfRangeException(nameof(backends), b.Weight, $"{vip}: backend {b.EndPoint} weight must be 1-256");
            }
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var isNew = !_pools.TryGetValue(vip, out var pool);
            pool ??= new BackendPool(vip, options, _time);
            var slots = Reconcile(pool, backends, options);
            pool.Update(slots, options);
            if (isNew)
            {
                if (_addressRefs.TryGetValue(vip.Address, out var refs))
                {
                    _addressRefs[vip.Address] = refs + 1;
                }
                else
                {
                    await _binder.AddAsync(vip.Address, cancellationToken);
                    _addressRefs[vip.Address] = 1;
                }

                _pools[vip] = pool;
            }

            try
            {
                await _plane.ApplyAsync(pool, cancellationToken);
            }
            catch when (isNew)
            {
                // A port that could not be forwarded (for example already bound) must not stay
                // half-registered: undo the pool, its health tracking and the address reference.
                await RollBackAsync(vip, pool);
                throw;
            }

            ForwardingLog.BackendsSet(_logger, vip, slots.Length);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ClearAsync(VipPort vip, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_pools.Remove(vip, out var pool))
            {
                return;
            }

            await _plane.RemoveAsync(vip, cancellationToken);
            foreach (var s in pool.Slots)
            {
                s.Removed = true;
                s.Health.Dispose();
            }

            pool.Update([], pool.Options);
            if (--_addressRefs[vip.Address] == 0)
            {
                _addressRefs.Remove(vip.Address);
                await _binder.RemoveAsync(vip.Address, cancellationToken);
            }

            ForwardingLog.Cleared(_logger, vip);
        }
        finally
        {
            _gate.Release();
        }
    }

    public IReadOnlyList<BackendHealthReport> HealthSnapshot() => _health.Snapshot();

    private async Task RollBackAsync(VipPort vip, BackendPool pool)
    {
        _pools.Remove(vip);
        foreach (var s in pool.Slots)
        {
            s.Removed = true;
            s.Health.Dispose();
        }

        if (--_addressRefs[vip.Address] == 0)
        {
            _addressRefs.Remove(vip.Address);
            await _binder.RemoveAsync(vip.Address, CancellationToken.None);
        }
    }

    /// <summary>The pool of a forwarded VIP:port (selection counts, slots), or null.</summary>
    internal BackendPool? GetPool(VipPort vip)
    {
        _gate.Wait();
        try
        {
            return _pools.GetValueOrDefault(vip);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _health.Changed -= OnHealthChanged;
        foreach (var vip in Forwarded)
        {
            await ClearAsync(vip, CancellationToken.None);
        }

        await _plane.DisposeAsync();
        _gate.Dispose();
    }

    private void OnHealthChanged(object? sender, HealthTransition e) => _plane.HealthChanged();

    /// <summary>Keeps the slots of backends that stay (their counters and connections), adds and removes the rest.</summary>
    private BackendSlot[] Reconcile(BackendPool pool, IReadOnlyList<Backend> backends, ServiceForwardingOptions options)
    {
        var kind = options.HealthCheckNodePort is null ? HealthCheckKind.TcpConnect : HealthCheckKind.HttpHealthz;
        var old = pool.Slots.ToDictionary(s => s.Backend.EndPoint);
        var result = new List<BackendSlot>(backends.Count);
        var seen = new HashSet<IPEndPoint>();
        foreach (var b in backends)
        {
            if (!seen.Add(b.EndPoint))
            {
                continue;
            }

            var target = new HealthTarget(
                kind == HealthCheckKind.TcpConnect ? b.EndPoint : new IPEndPoint(b.EndPoint.Address, options.HealthCheckNodePort!.Value),
                kind);
            if (old.Remove(b.EndPoint, out var slot) && slot.Health.Target == target)
            {
                slot.Weight = b.Weight;
                result.Add(slot);
                continue;
            }

            if (slot is not null)
            {
                old[b.EndPoint] = slot;
            }

            result.Add(new BackendSlot(b, _health.Track(target)));
        }

        foreach (var gone in old.Values)
        {
            gone.Removed = true;
            gone.Health.Dispose();
        }

        return [.. result];
    }
}
