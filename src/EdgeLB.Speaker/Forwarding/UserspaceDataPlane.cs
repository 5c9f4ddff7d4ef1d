using System.Buffers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Forwards in the speaker process with sockets: a TCP listener and/or UDP socket per VIP:port.
/// A sweeper runs once a second for idle timeouts, drain timeouts and affinity expiry, so the
/// data path arms no timers.
/// </summary>
internal sealed class UserspaceDataPlane : IDataPlane
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ForwardingOptions _options;
    private readonly ISocketFactory _sockets;
    private readonly TimeProvider _time;
    private readonly ForwardingMetrics? _metrics;
    private readonly ILogger _logger;
    private readonly BackendConnector _connector;
    private readonly Lock _gate = new();
    private readonly Dictionary<VipPort, TcpFrontend> _tcp = [];
    private readonly Dictionary<VipPort, UdpFrontend> _udp = [];
    private readonly ITimer _sweeper;

    // Buffers live as long as their connection; a dedicated pool keeps enough of them around for
    // thousands of connections instead of falling back to fresh arrays past the shared pool's limit.
    private readonly ArrayPool<byte> _buffers;

    public UserspaceDataPlane(ForwardingOptions options, ISocketFactory? sockets = null, TimeProvider? time = null, ForwardingMetrics? metrics = null, ILogger<UserspaceDataPlane>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _sockets = sockets ?? DefaultSocketFactory.Instance;
        _time = time ?? TimeProvider.System;
        _metrics = metrics;
        _logger = logger ?? NullLogger<UserspaceDataPlane>.Instance;
        _buffers = ArrayPool<byte>.Create(options.TcpBufferSize, 4096);
        _connector = new BackendConnector(options, _sockets, _time, metrics, _logger);
        _sweeper = _time.CreateTimer(static s => ((UserspaceDataPlane)s!).Sweep(), this, SweepInterval, SweepInterval);
    }

    /// <summary>Open TCP connections plus live UDP flows, for tests and status.</summary>
    public int ConnectionCount
    {
        get
        {
            lock (_gate)
            {
                return _tcp.Values.Sum(f => f.ConnectionCount) + _udp.Values.Sum(f => f.FlowCount);
            }
        }
    }

    public Task CleanupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ApplyAsync(BackendPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var vip = pool.Vip;
        lock (_gate)
        {
            var stats = _metrics?.Register(vip) ?? new VipStats(vip);
            stats.Slots = () => pool.Slots;
            if (vip.Protocol == ForwardProtocol.Tcp)
            {
                if (_tcp.TryGetValue(vip, out var existing))
                {
                    existing.Pool = pool;
                }
                else
                {
                    _tcp[vip] = new TcpFrontend(pool, stats, _connector, _sockets, _options, _buffers, _time, _logger);
                }
            }
            else if (_udp.TryGetValue(vip, out var existing))
            {
                existing.Pool = pool;
            }
            else
            {
                _udp[vip] = new UdpFrontend(pool, stats, _sockets, _options, _time, _logger);
            }
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(VipPort vip, CancellationToken cancellationToken)
    {
        IDisposable? frontend;
        lock (_gate)
        {
            frontend = _tcp.Remove(vip, out var t) ? t : _udp.Remove(vip, out var u) ? u : null;
        }

        frontend?.Dispose();
        _metrics?.Unregister(vip);
        return Task.CompletedTask;
    }

    public void HealthChanged()
    {
        // Selection reads availability live; draining is handled by the sweeper.
    }

    public ValueTask DisposeAsync()
    {
        _sweeper.Dispose();
        List<IDisposable> all;
        lock (_gate)
        {
            all = [.. _tcp.Values, .. _udp.Values];
            _tcp.Clear();
            _udp.Clear();
        }

        foreach (var f in all)
        {
            f.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private void Sweep()
    {
        List<(VipPort Vip, Func<long, int> Sweep)> frontends;
        lock (_gate)
        {
            frontends = [.. _tcp.Select(p => (p.Key, (Func<long, int>)p.Value.Sweep)), .. _udp.Select(p => (p.Key, (Func<long, int>)p.Value.Sweep))];
        }

        var now = _time.GetTimestamp();
        foreach (var (vip, sweep) in frontends)
        {
            var closed = sweep(now);
            if (closed > 0)
            {
                ForwardingLog.Swept(_logger, vip, closed);
            }
        }
    }
}
