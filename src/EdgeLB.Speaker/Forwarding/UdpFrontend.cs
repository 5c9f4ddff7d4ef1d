using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// The UDP socket of one VIP:port. Each client address is a flow with its own connected upstream
/// socket to the backend chosen when the flow began, so replies map back without a lookup and the
/// backend sees one stable source port per client. Flows expire after the UDP idle timeout.
/// Receiving uses one buffer and a reused <see cref="SocketAddress"/>; only a new flow allocates.
/// </summary>
internal sealed class UdpFrontend : IDisposable
{
    private const int MaxDatagram = 65536;

    private readonly Socket _socket;
    private readonly ISocketFactory _sockets;
    private readonly ForwardingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SocketAddress, UdpFlow> _flows = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile BackendPool _pool;

    public UdpFrontend(BackendPool pool, VipStats stats, ISocketFactory sockets, ForwardingOptions options, TimeProvider time, ILogger logger)
    {
        _pool = pool;
        Stats = stats;
        _sockets = sockets;
        _options = options;
        _time = time;
        _logger = logger;
        _socket = sockets.CreateBoundToVip(pool.Vip, SocketType.Dgram, ProtocolType.Udp);

        _ = ReceiveLoopAsync();
    }

    public VipStats Stats { get; }

    public BackendPool Pool
    {
        get => _pool;
        set => _pool = value;
    }

    public int FlowCount => _flows.Count;

    /// <summary>Forgets idle flows and flows whose backend drained past the drain timeout.</summary>
    public int Sweep(long now)
    {
        var closed = 0;
        foreach (var (key, flow) in _flows)
        {
            var expired = _time.GetElapsedTime(flow.LastActivity, now) >= _options.UdpIdleTimeout;
            if (!expired)
            {
                if (flow.Slot.Eligible)
                {
                    flow.DrainStarted = 0;
                }
                else if (flow.DrainStarted == 0)
                {
                    flow.DrainStarted = now;
                }
                else
                {
                    expired = _options.DrainTimeout is { } drain && _time.GetElapsedTime(flow.DrainStarted, now) >= drain;
                }
            }

            if (expired && _flows.TryRemove(key, out _))
            {
                flow.Dispose();
                closed++;
            }
        }

        _pool.ExpireAffinity();
        return closed;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        foreach (var flow in _flows.Values)
        {
            flow.Dispose();
        }

        _flows.Clear();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(MaxDatagram, pinned: true);
        var from = new SocketAddress(_socket.AddressFamily);
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, from, token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // ICMP errors surface here on some kernels; the socket itself stays usable.
                ForwardingLog.UdpReceiveFailed(_logger, _pool.Vip, ex);
                continue;
            }

            if (!_flows.TryGetValue(from, out var flow))
            {
                flow = StartFlow(from);
                if (flow is null)
                {
                    continue;
                }
            }

            flow.Touch(_time.GetTimestamp());
            Stats.AddIn(n);
            try
            {
                flow.Upstream.Send(buffer.AsSpan(0, n), SocketFlags.None);
            }
            catch (SocketException)
            {
                // The backend's port is closed (ICMP unreachable reported on the connected socket);
                // UDP gives no delivery promise, so the datagram is dropped like on the wire.
            }
            catch (ObjectDisposedException)
            {
                // The flow expired between lookup and send.
            }
        }
    }

    private UdpFlow? StartFlow(SocketAddress from)
    {
        var key = new SocketAddress(from.Family, from.Size);
        from.Buffer.Span[..from.Size].CopyTo(key.Buffer.Span);
        var client = (IPEndPoint)new IPEndPoint(_socket.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(key);
        var slot = _pool.Select(client.Address);
        if (slot is null)
        {
            ForwardingLog.NoBackend(_logger, _pool.Vip, client, "no eligible backend");
            return null;
        }

        var upstream = _sockets.Create(slot.Backend.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            upstream.Connect(slot.Backend.EndPoint);
        }
        catch (SocketException)
        {
            upstream.Dispose();
            return null;
        }

        var flow = new UdpFlow(this, key, upstream, slot, _time.GetTimestamp());
        _flows[key] = flow;
        slot.Opened();
        Stats.Opened();
        _ = flow.ReplyLoopAsync();
        return flow;
    }

    private sealed class UdpFlow(UdpFrontend owner, SocketAddress client, Socket upstream, BackendSlot slot, long now) : IDisposable
    {
        private long _lastActivity = now;
        private int _disposed;

        public Socket Upstream { get; } = upstream;

        public BackendSlot Slot { get; } = slot;

        public long DrainStarted { get; set; }

        public long LastActivity => Volatile.Read(ref _lastActivity);

        public void Touch(long now) => Volatile.Write(ref _lastActivity, now);

        public async Task ReplyLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(MaxDatagram);
            try
            {
                while (true)
                {
                    var n = await Upstream.ReceiveAsync(buffer, SocketFlags.None);
                    Touch(owner._time.GetTimestamp());
                    owner.Stats.AddOut(n);
                    owner._socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, client);
                }
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // ICMP port unreachable from the backend ends this flow's reply loop only;
                // the flow expires and the client's next datagram starts a new one.
                if (owner._flows.TryRemove(new KeyValuePair<SocketAddress, UdpFlow>(client, this)))
                {
                    Dispose();
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // Flow disposed.
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            Upstream.Dispose();
            Slot.Closed();
            owner.Stats.Closed();
        }
    }
}
