using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A one-shot HTTP/1.0 GET over a new connection from a lab namespace (HttpClient's sockets would
/// belong to this process's namespace). The connection is closed with a reset, so probing at 100
/// connections per second for minutes leaves no TIME_WAIT behind.
/// </summary>
public static class LabHttp
{
    /// <exception cref="SocketException">The connection failed (refused, reset, unreachable).</exception>
    /// <exception cref="TimeoutException">No complete answer within <paramref name="timeout"/>.</exception>
    public static async Task<LabHttpResponse> GetAsync(NamespaceThread ns, IPEndPoint target, string path, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(target);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var socket = ns.CreateSocket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.NoDelay = true;
        socket.LingerState = new LingerOption(enable: true, seconds: 0);
        try
        {
            await socket.ConnectAsync(target, cts.Token);
            var host = target.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target.Address}]" : target.Address.ToString();
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n"), SocketFlags.None, cts.Token);
            var buffer = new byte[16384];
            var length = 0;
            while (length < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cts.Token);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, length);
            var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            var statusLine = text.Split("\r\n")[0].Split(' ');
            if (split < 0 || statusLine.Length < 2 || !int.TryParse(statusLine[1], CultureInfo.InvariantCulture, out var status))
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            return new LabHttpResponse(status, text[(split + 4)..]);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer from {target} within {timeout.TotalMilliseconds} ms", ex);
        }
    }
}
