using System.Text;
using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Tests.Health;

public sealed class SocketHealthProbeTests
{
    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", null)]
    [InlineData("HTTP/1.0 200\r\n", null)]
    [InlineData("HTTP/1.1 503 Service Unavailable\r\n", "http: status 503")]
    [InlineData("", "http: empty response")]
    [InlineData("SSH-2.0-OpenSSH\r\n", "http: not a status line 'SSH-2.0-OpenSSH'")]
    public void ParseStatus_AcceptsOnly200(string response, string? expected) =>
        Assert.Equal(expected, SocketHealthProbe.ParseStatus(Encoding.ASCII.GetBytes(response)));
}
