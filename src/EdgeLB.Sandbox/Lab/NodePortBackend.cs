using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A tiny HTTP/1.0 server listening on every address of one lab host, with its socket created in
/// that host's namespace. It stands in for kube-proxy on nodeIP:nodePort (answering
/// "&lt;node&gt; &lt;peer address&gt;", so a client learns which node served it and which address the
/// connection came from) and on healthCheckNodePort (<c>/healthz</c>, 200 while the node has local
/// endpoints). Stopping it is how a test kills a NodePort.
/// </summary>
public sealed class NodePortBackend : IAsyncDisposable
{
    private const int MaxRequestBytes = 8192;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly LabListener _listener;

    private NodePortBackend(LabListener listener) => _listener = listener;

    public int Port => _listener.LocalEndPoint.Port;

    /// <summary>Answers every path with "&lt;nodeName&gt; &lt;peer&gt;".</summary>
    public static NodePortBackend ServeNodeName(NamespaceThread ns, int port, string nodeName) =>
        Start(ns, port, (_, peer) => (200, $"{nodeName} {peer}\n"));

    /// <summary>Answers /healthz like kube-proxy's health check server: 200 while <paramref name="localEndpoints"/> is positive, else 503.</summary>
    public static NodePortBackend ServeHealth(NamespaceThread ns, int port, string serviceNamespace, string serviceName, Func<int> localEndpoints) =>
        Start(ns, port, (path, _) =>
        {
            var count = localEndpoints();
            var body = $$"""{"service":{"namespace":"{{serviceNamespace}}","name":"{{serviceName}}"},"localEndpoints":{{count}}}""" + "\n";
            return path.StartsWith("/healthz", StringComparison.Ordinal) ? (count > 0 ? 200 : 503, body) : (404, "not found\n");
        });

    public static NodePortBackend Start(NamespaceThread ns, int port, Func<string, IPAddress, (int Status, string Body)> respond) =>
        new(LabListener.Start(ns, new IPEndPoint(IPAddress.IPv6Any, port), (connection, ct) => ServeAsync(connection, respond, ct)));

    public ValueTask DisposeAsync() => _listener.DisposeAsync();

    private static async Task ServeAsync(Socket connection, Func<string, IPAddress, (int Status, string Body)> respond, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await connection.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) >= 0)
            {
                break;
            }
        }

        var request = Encoding.ASCII.GetString(buffer, 0, length);
        var path = request.Split(' ') is [_, var p, ..] ? p : "/";
        var peer = ((IPEndPoint)connection.RemoteEndPoint!).Address;
        var (status, body) = respond(path, peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer);
        var reason = status switch { 200 => "OK", 404 => "Not Found", _ => "Service Unavailable" };
        var response = $"HTTP/1.0 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await connection.SendAsync(Encoding.UTF8.GetBytes(response), SocketFlags.None, timeout.Token);
        connection.Shutdown(SocketShutdown.Both);
    }
}
