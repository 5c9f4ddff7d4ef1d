using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using EdgeLB.Speaker.Forwarding;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Session;

/// <summary>
/// Data-plane evidence for the controller: pings the nodes that hold the VIPs this speaker stands by
/// for, every 10 ms, and names those that answered none of the last three pings sent at least 30 ms
/// ago. The holder's kernel answers ICMP echo, so a busy or stalled speaker there does not look cut
/// off; a dead node or a downed link does. The controller still decides: it moves a holder's VIPs
/// early only when its session is silent too.
/// </summary>
/// <remarks>
/// A starved prober sends nothing, and an unanswered ping only counts once it is 30 ms old, so a
/// stall on this node cannot make a holder look unreachable: the replies wait in the socket.
/// </remarks>
internal sealed class HolderProbe : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    public static readonly TimeSpan Deadline = TimeSpan.FromMilliseconds(30);

    private const int Misses = 3;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ISocketFactory _sockets;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (string Node, IPAddress Address)> _watched = new(StringComparer.Ordinal); // VIP → holder
    private readonly Dictionary<IPAddress, Target> _targets = [];
    private readonly ushort _id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
    private readonly CancellationTokenSource _stop = new();
    private Socket? _v4;
    private Socket? _v6;
    private Task? _loops;

    public HolderProbe(TimeProvider time, ILogger logger, ISocketFactory? sockets = null)
    {
        _time = time;
        _logger = logger;
        _sockets = sockets ?? DefaultSocketFactory.Instance;
    }

    /// <summary>Called (on the probe's thread) when a holder becomes unreachable, so a heartbeat can go out at once.</summary>
    public Action? OnUnreachable { get; set; }

    /// <summary>Probes <paramref name="address"/> while this speaker stands by for <paramref name="vip"/>.</summary>
    public void Watch(string vip, string node, IPAddress address)
    {
        lock (_gate)
        {
            _watched[vip] = (node, address);
            RebuildTargetsLocked();
            _loops ??= StartLocked();
        }
    }

    public void Unwatch(string vip)
    {
        lock (_gate)
        {
            if (_watched.Remove(vip))
            {
                RebuildTargetsLocked();
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _watched.Clear();
            _targets.Clear();
        }
    }

    /// <summary>Holders (node names) judged unreachable at the last tick: their last <see cref="Misses"/> pings, the oldest sent at least <see cref="Deadline"/> before, went unanswered.</summary>
    public IReadOnlyList<string> Unreachable()
    {
        lock (_gate)
        {
            return [.. _targets.Values.Where(t => t.Unreachable).Select(t => t.Node).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _v4?.Dispose();
        _v6?.Dispose();
        _stop.Dispose();
    }

    private void RebuildTargetsLocked()
    {
        var wanted = _watched.Values.GroupBy(w => w.Address).ToDictionary(g => g.Key, g => g.First().Node);
        foreach (var gone in _targets.Keys.Where(a => !wanted.ContainsKey(a)).ToList())
        {
            _targets.Remove(gone);
        }

        foreach (var (address, node) in wanted)
        {
            if (!_targets.TryGetValue(address, out var target) || target.Node != node)
            {
                _targets[address] = new Target(node, address);
            }
        }
    }

    private Task StartLocked()
    {
        try
        {
            _v4 = _sockets.Create(AddressFamily.InterNetwork, SocketType.Raw, ProtocolType.Icmp);
            _v6 = _sockets.Create(AddressFamily.InterNetworkV6, SocketType.Raw, ProtocolType.IcmpV6);
            _v4.Blocking = false;
            _v6.Blocking = false;
        }
        catch (SocketException ex)
        {
            // Without CAP_NET_RAW there is no evidence to give; leases alone then detect silent holders.
            SessionLog.ProbeUnavailable(_logger, ex.Message);
            return Task.CompletedTask;
        }

        return Task.Run(LoopAsync);
    }

    /// <summary>
    /// Each tick reads the replies waiting, then judges, then pings again: replies that arrived while
    /// this process was not scheduled are counted before any verdict.
    /// </summary>
    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval, _time);
        var packet = new byte[16];
        var buffer = new byte[1500];
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Drain(_v4!, buffer, new IPEndPoint(IPAddress.Any, 0), v6: false);
                Drain(_v6!, buffer, new IPEndPoint(IPAddress.IPv6Any, 0), v6: true);
                List<Target> targets;
                lock (_gate)
                {
                    targets = [.. _targets.Values];
                }

                var now = _time.GetTimestamp();
                var becameUnreachable = false;
                foreach (var target in targets)
                {
                    becameUnreachable |= target.Judge(now, _time);
                    var v6 = target.Address.AddressFamily == AddressFamily.InterNetworkV6;
                    Echo(packet, v6, _id, target.Sent(now));
                    try
                    {
                        (v6 ? _v6! : _v4!).SendTo(packet, new IPEndPoint(target.Address, 0));
                    }
                    catch (SocketException)
                    {
                        // No route or a full buffer (our own link is down): the ping stays unanswered, as it should.
                    }
                }

                if (becameUnreachable)
                {
                    OnUnreachable?.Invoke();
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    private void Drain(Socket socket, byte[] buffer, EndPoint any, bool v6)
    {
        while (socket.Available > 0)
        {
            int received;
            var from = any;
            try
            {
                received = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException)
            {
                return;
            }

            var data = buffer.AsSpan(0, received);
            if (!v6)
            {
                var headerLength = (data[0] & 0x0f) * 4; // IPv4 raw sockets deliver the IP header
                data = data.Length > headerLength ? data[headerLength..] : [];
            }

            // Echo reply: type 0 (ICMP) or 129 (ICMPv6); our identifier in bytes 4-5.
            if (data.Length >= 8 && data[0] == (v6 ? 129 : 0) && BinaryPrimitives.ReadUInt16BigEndian(data[4..]) == _id)
            {
                lock (_gate)
                {
                    _targets.GetValueOrDefault(((IPEndPoint)from).Address)?.Answered();
                }
            }
        }
    }

    /// <summary>Builds an echo request: ICMPv4 needs our checksum; for ICMPv6 raw sockets the kernel computes it.</summary>
    private static void Echo(byte[] packet, bool v6, ushort id, ushort sequence)
    {
        Array.Clear(packet);
        packet[0] = v6 ? (byte)128 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(6), sequence);
        if (!v6)
        {
            uint sum = 0;
            for (var i = 0; i < packet.Length; i += 2)
            {
                sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
            }

            while (sum > 0xffff)
            {
                sum = (sum & 0xffff) + (sum >> 16);
            }

            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)~sum);
        }
    }

    /// <summary>One probed address: pings sent since the last reply, and when the first of them left.</summary>
    private sealed class Target(string node, IPAddress address)
    {
        private readonly Lock _state = new();
        private ushort _sequence;
        private int _unanswered;
        private long _firstUnansweredAt;

        public string Node { get; } = node;

        public IPAddress Address { get; } = address;

        public ushort Sent(long now)
        {
            lock (_state)
            {
                if (_unanswered++ == 0)
                {
                    _firstUnansweredAt = now;
                }

                return ++_sequence;
            }
        }

        public void Answered()
        {
            lock (_state)
            {
                _unanswered = 0;
                Unreachable = false;
            }
        }

        /// <summary>As of the last <see cref="Judge"/>.</summary>
        public bool Unreachable { get; private set; }

        /// <summary>Decides, after the waiting replies were read; true when the target just turned unreachable.</summary>
        public bool Judge(long now, TimeProvider time)
        {
            lock (_state)
            {
                var was = Unreachable;
                Unreachable = _unanswered >= Misses && time.GetElapsedTime(_firstUnansweredAt, now) >= Deadline;
                return Unreachable && !was;
            }
        }
    }
}
