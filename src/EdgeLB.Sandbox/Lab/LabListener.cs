using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A TCP listening socket created in a lab namespace and its accept loop; each connection is handed
/// to a handler (which owns it) and runs on its own. Disposing stops accepting and cancels handlers.
/// </summary>
public sealed class LabListener : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<Socket, CancellationToken, Task> _serve;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private LabListener(Socket listener, Func<Socket, CancellationToken, Task> serve)
    {
        _listener = listener;
        _serve = serve;
        _accepting = AcceptLoopAsync();
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    /// <summary>Listens on <paramref name="endpoint"/> inside <paramref name="ns"/>; [::] listens on IPv4 too.</summary>
    public static LabListener Start(NamespaceThread ns, IPEndPoint endpoint, Func<Socket, CancellationToken, Task> serve)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(endpoint);
        var listener = ns.CreateSocket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            listener.Bind(endpoint);
            listener.Listen(1024);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        return new LabListener(listener, serve);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try
            {
                connection = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            _ = ServeAsync(connection);
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        using (connection)
        {
            try
            {
                await _serve(connection, _stop.Token);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer went away or the listener is stopping: nothing more to do for this connection.
            }
        }
    }
}
