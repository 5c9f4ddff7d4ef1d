using System.Buffers;
using System.Net.Sockets;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// One client connection joined to one backend connection. Each direction is an awaited
/// receive-then-send loop over a pooled buffer: the next read starts only after the previous bytes
/// were accepted by the other socket, which is the backpressure (a slow reader stalls its writer's
/// TCP window, nothing queues in the speaker). End of stream in one direction becomes a write
/// shutdown towards the other side (half-close); a reset or error on either side resets both.
/// </summary>
internal sealed class TcpProxyConnection
{
    private readonly Socket _client;
    private readonly Socket _upstream;
    private readonly VipStats _stats;
    private readonly TimeProvider _time;
    private long _lastActivity;
    private int _aborted;

    public TcpProxyConnection(Socket client, Socket upstream, BackendSlot slot, VipStats stats, TimeProvider time)
    {
        _client = client;
        _upstream = upstream;
        Slot = slot;
        _stats = stats;
        _time = time;
        _lastActivity = time.GetTimestamp();
    }

    public BackendSlot Slot { get; }

    /// <summary>Timestamp at which draining of this connection began; 0 while its backend is eligible.</summary>
    public long DrainStarted { get; set; }

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public async Task RunAsync(ArrayPool<byte> buffers, int bufferSize)
    {
        var toBackend = PumpAsync(_client, _upstream, inbound: true, buffers, bufferSize);
        var toClient = PumpAsync(_upstream, _client, inbound: false, buffers, bufferSize);
        await Task.WhenAll(toBackend, toClient);
        _client.Dispose();
        _upstream.Dispose();
    }

    /// <summary>Resets both sides (idle timeout, drain timeout, revoke, or an error on one side).</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        Reset(_client);
        Reset(_upstream);
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed; disposing is all that is left.
        }

        socket.Dispose();
    }

    private async Task PumpAsync(Socket from, Socket to, bool inbound, ArrayPool<byte> buffers, int bufferSize)
    {
        var buffer = buffers.Rent(bufferSize);
        try
        {
            var memory = buffer.AsMemory(0, bufferSize);
            while (true)
            {
                var n = await from.ReceiveAsync(memory, SocketFlags.None);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                Volatile.Write(ref _lastActivity, _time.GetTimestamp());
                if (inbound)
                {
                    _stats.AddIn(n);
                }
                else
                {
                    _stats.AddOut(n);
                }

                await to.SendAsync(memory[..n], SocketFlags.None);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
        {
            Abort();
        }
        finally
        {
            buffers.Return(buffer);
        }
    }
}
