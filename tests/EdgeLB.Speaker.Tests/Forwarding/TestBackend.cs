using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Speaker.Tests.Forwarding;

/// <summary>
/// A backend node's "NodePorts", served in-process from sockets created in the node's namespace:
/// HTTP on <see cref="HttpPort"/> answering its name, UDP on the same port answering its name,
/// an echo port (echoes until EOF, then half-closes), a count port (reads to EOF, then answers the
/// byte count: proves half-close) and /healthz on <see cref="HealthPort"/> with a settable status.
/// <see cref="Stop"/> kills it like a crashed process: listeners closed, connections reset.
/// </summary>
internal sealed class TestBackend : IDisposable
{
    public const int HttpPort = 30080;
    public const int EchoPort = 30081;
    public const int CountPort = 30082;
    public const int HealthPort = 30256;

    private readonly ISocketFactory _sockets;
    private readonly IPAddress _address;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly List<Socket> _listeners = [];
    private CancellationTokenSource _stop = new();
    private int _httpAccepted;

    public TestBackend(string name, IPAddress address, ISocketFactory sockets)
    {
        Name = name;
        _address = address;
        _sockets = sockets;
    }

    public string Name { get; }

    public bool Running { get; private set; }

    public int HealthStatus { get; set; } = 200;

    /// <summary>HTTP connections accepted since start.</summary>
    public int HttpAccepted => Volatile.Read(ref _httpAccepted);

    public void Start()
    {
        _stop = new CancellationTokenSource();
        StartTcp(HttpPort, ServeHttpAsync);
        StartTcp(EchoPort, ServeEchoAsync);
        StartTcp(CountPort, ServeCountAsync);
        StartTcp(HealthPort, ServeHealthAsync);
        var udp = _sockets.Create(_address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        udp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        udp.Bind(new IPEndPoint(_address, HttpPort));
        _listeners.Add(udp);
        _ = ServeUdpAsync(udp, _stop.Token);
        Running = true;
    }

    public void Stop()
    {
        Running = false;
        _stop.Cancel();
        foreach (var l in _listeners)
        {
            l.Dispose();
        }

        _listeners.Clear();
        foreach (var s in _open.Keys)
        {
            try
            {
                s.LingerState = new LingerOption(true, 0);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }

            s.Dispose();
        }

        _open.Clear();
    }

    public void Dispose() => Stop();

    private void StartTcp(int port, Func<Socket, Task> serve)
    {
        var listener = _sockets.Create(_address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(new IPEndPoint(_address, port));
        listener.Listen(4096);
        _listeners.Add(listener);
        _ = AcceptLoopAsync(listener, serve, _stop.Token);
    }

    private async Task AcceptLoopAsync(Socket listener, Func<Socket, Task> serve, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await listener.AcceptAsync(token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _open.TryAdd(s, 0);
            _ = Task.Run(async () =>
            {
                try
                {
                    await serve(s);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }
                finally
                {
                    _open.TryRemove(s, out _);
                    s.Dispose();
                }
            }, CancellationToken.None);
        }
    }

    private static async Task<string?> ReadRequestAsync(Socket s)
    {
        var buffer = new byte[4096];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await s.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            if (n == 0)
            {
                return null;
            }

            read += n;
            var text = Encoding.ASCII.GetString(buffer, 0, read);
            if (text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return text;
            }
        }

        return null;
    }

    private async Task ServeHttpAsync(Socket s)
    {
        Interlocked.Increment(ref _httpAccepted);
        if (await ReadRequestAsync(s) is null)
        {
            return;
        }

        await s.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {Name.Length}\r\nConnection: close\r\n\r\n{Name}"), SocketFlags.None);
        s.Shutdown(SocketShutdown.Send);
    }

    private async Task ServeHealthAsync(Socket s)
    {
        if (await ReadRequestAsync(s) is null)
        {
            return;
        }

        var status = HealthStatus;
        await s.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), SocketFlags.None);
        s.Shutdown(SocketShutdown.Send);
    }

    private static async Task ServeEchoAsync(Socket s)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                s.Shutdown(SocketShutdown.Send);
                return;
            }

            await s.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
        }
    }

    private static async Task ServeCountAsync(Socket s)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            var n = await s.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        await s.SendAsync(Encoding.ASCII.GetBytes($"count={total}"), SocketFlags.None);
        s.Shutdown(SocketShutdown.Send);
    }

    private async Task ServeUdpAsync(Socket udp, CancellationToken token)
    {
        var buffer = new byte[2048];
        var from = new SocketAddress(udp.AddressFamily);
        var reply = Encoding.ASCII.GetBytes(Name);
        while (!token.IsCancellationRequested)
        {
            try
            {
                await udp.ReceiveFromAsync(buffer, SocketFlags.None, from, token);
                await udp.SendToAsync(reply, SocketFlags.None, from, token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
            }
        }
    }
}
