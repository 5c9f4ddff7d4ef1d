using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>The TCP listener of one VIP:port and its live connections.</summary>
internal sealed class TcpFrontend : IDisposable
{
    private readonly Socket _listener;
    private readonly BackendConnector _connector;
    private readonly ForwardingOptions _options;
    private readonly ArrayPool<byte> _buffers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TcpProxyConnection, byte> _connections = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile BackendPool _pool;

    public TcpFrontend(BackendPool pool, VipStats stats, BackendConnector connector, ISocketFactory sockets, ForwardingOptions options, ArrayPool<byte> buffers, TimeProvider time, ILogger logger)
    {
        _pool = pool;
        Stats = stats;
        _connector = connector;
        _options = options;
        _buffers = buffers;
        _time = time;
        _logger = logger;
        _listener = sockets.CreateBoundToVip(pool.Vip, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Listen(options.ListenBacklog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        _ = AcceptLoopAsync();
    }

    public VipStats Stats { get; }

    public BackendPool Pool
    {
        get => _pool;
        set => _pool = value;
    }

    public int ConnectionCount => _connections.Count;

    /// <summary>Closes idle connections and those whose backend drained past the drain timeout.</summary>
    public int Sweep(long now)
    {
        var closed = 0;
        foreach (var c in _connections.Keys)
        {
            if (_time.GetElapsedTime(c.LastActivity, now) >= _options.TcpIdleTimeout)
            {
                c.Abort();
                closed++;
                continue;
            }

            if (c.Slot.Eligible)
            {
                c.DrainStarted = 0;
            }
            else if (c.DrainStarted == 0)
            {
                c.DrainStarted = now;
            }
            else if (_options.DrainTimeout is { } drain && _time.GetElapsedTime(c.DrainStarted, now) >= drain)
            {
                c.Abort();
                closed++;
            }
        }

        _pool.ExpireAffinity();
        return closed;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var c in _connections.Keys)
        {
            c.Abort();
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // Out of descriptors or buffers: back off briefly instead of spinning.
                ForwardingLog.AcceptFailed(_logger, _pool.Vip, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, CancellationToken.None);
                continue;
            }

            _ = HandleAsync(client);
        }
    }

    private async Task HandleAsync(Socket client)
    {
        var pool = _pool;
        IPEndPoint? remote = null;
        Socket upstream;
        BackendSlot slot;
        try
        {
            client.NoDelay = true;
            remote = client.RemoteEndPoint as IPEndPoint;
            (upstream, slot) = await _connector.ConnectAsync(pool, Stats, remote?.Address, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or NoBackendException or ObjectDisposedException or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
        {
            ForwardingLog.NoBackend(_logger, pool.Vip, remote, ex.Message);
            try
            {
                // A reset tells the client at once that this attempt failed.
                client.LingerState = new LingerOption(true, 0);
            }
            catch (Exception inner) when (inner is SocketException or ObjectDisposedException)
            {
                // Client already gone.
            }

            client.Dispose();
            return;
        }

        var connection = new TcpProxyConnection(client, upstream, slot, Stats, _time);
        _connections.TryAdd(connection, 0);
        slot.Opened();
        Stats.Opened();
        try
        {
            if (_stop.IsCancellationRequested)
            {
                connection.Abort();
            }

            await connection.RunAsync(_buffers, _options.TcpBufferSize);
        }
        finally
        {
            Stats.Closed();
            slot.Closed();
            _connections.TryRemove(connection, out _);
        }
    }
}
