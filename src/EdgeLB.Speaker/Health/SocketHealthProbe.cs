using System.Buffers;
using System.Net.Sockets;
using System.Text;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Speaker.Health;

/// <summary>
/// Probes with plain sockets: a TCP connect for NodePorts, or an HTTP/1.1 GET whose status line must
/// say 200 for healthCheckNodePort. Raw sockets instead of HttpClient keep a probe to a couple of
/// syscalls and let the socket factory place them in the right network namespace.
/// </summary>
internal sealed class SocketHealthProbe(ISocketFactory sockets, string httpPath = "/healthz") : IHealthProbe
{
    private const int ResponseLimit = 512;

    public async ValueTask<string?> ProbeAsync(HealthTarget target, CancellationToken cancellationToken)
    {
        using var socket = sockets.Create(target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        // Close with RST: probes must not leave TIME_WAIT entries behind, four times a second per node.
        socket.LingerState = new LingerOption(true, 0);
        try
        {
            await socket.ConnectAsync(target.EndPoint, cancellationToken);
        }
        catch (SocketException ex)
        {
            return $"connect: {ex.SocketErrorCode}";
        }

        if (target.Kind == HealthCheckKind.TcpConnect)
        {
            return null;
        }

        var request = Encoding.ASCII.GetBytes(
            $"GET {httpPath} HTTP/1.1\r\nHost: {target.EndPoint}\r\nUser-Agent: edgelb-health\r\nConnection: close\r\n\r\n");
        var buffer = ArrayPool<byte>.Shared.Rent(ResponseLimit);
        try
        {
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            var read = 0;
            while (read < ResponseLimit)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read, ResponseLimit - read), SocketFlags.None, cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read += n;
                if (buffer.AsSpan(0, read).IndexOf((byte)'\n') >= 0)
                {
                    break;
                }
            }

            return ParseStatus(buffer.AsSpan(0, read));
        }
        catch (SocketException ex)
        {
            return $"http: {ex.SocketErrorCode}";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Returns null for a "HTTP/1.x 200" status line, else a reason.</summary>
    internal static string? ParseStatus(ReadOnlySpan<byte> response)
    {
        var end = response.IndexOf((byte)'\n');
        var line = Encoding.ASCII.GetString(end >= 0 ? response[..end] : response).TrimEnd('\r');
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            return line.Length == 0 ? "http: empty response" : $"http: not a status line '{line}'";
        }

        return parts[1] == "200" ? null : $"http: status {parts[1]}";
    }
}
