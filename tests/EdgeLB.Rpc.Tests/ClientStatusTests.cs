using System.Diagnostics;
using EdgeLB.Rpc.Tests.Infrastructure;
using EdgeLB.Rpc.Tests.Interop;
using Google.Protobuf;

namespace EdgeLB.Rpc.Tests;

/// <summary>How our client derives a status when the server gives none, and deadlines against a stubborn handler.</summary>
public sealed class ClientStatusTests(OurServerFixture fixture) : IClassFixture<OurServerFixture>
{
    [Theory]
    [InlineData(400, StatusCode.Internal)]
    [InlineData(401, StatusCode.Unauthenticated)]
    [InlineData(403, StatusCode.PermissionDenied)]
    [InlineData(404, StatusCode.Unimplemented)]
    [InlineData(429, StatusCode.Unavailable)]
    [InlineData(502, StatusCode.Unavailable)]
    [InlineData(503, StatusCode.Unavailable)]
    [InlineData(504, StatusCode.Unavailable)]
    [InlineData(500, StatusCode.Unknown)]
    [InlineData(200, StatusCode.Internal)]
    public async Task HttpStatusWithoutGrpcStatus_Mapped(int httpStatus, StatusCode expected)
    {
        // 200 without content-type or status: not a gRPC response at all.
        var method = new Method<Empty, Empty>(MethodType.Unary, "http-status", httpStatus.ToString(System.Globalization.CultureInfo.InvariantCulture), Empty.Parser, Empty.Parser);
        using var channel = fixture.Server.CreateChannel();
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(method, new Empty(), CallOptions.FromTimeout(TimeSpan.FromSeconds(5))));
        Assert.Equal(expected, ex.StatusCode);
    }

    [Fact]
    public async Task HandlerIgnoringCancellation_ServerEndsCallAtDeadline()
    {
        // The server's own deadline: a grpc-timeout of 300 ms against a handler that sleeps 6 s and
        // ignores its token. Send it raw so our client's local deadline cannot mask the server's.
        var watch = Stopwatch.StartNew();
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["grpc-timeout"] = "300m" };
        var response = await RawGrpc.SendAsync(fixture.Server.Address, "/edgelb.test.Stubborn/Sleep", RawGrpc.Frame(new SleepRequest { Milliseconds = 6000 }.ToByteArray()), headers: headers);
        Assert.Equal("4", response.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task LocalDeadline_BeatsStubbornHandler()
    {
        using var channel = fixture.Server.CreateChannel();
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(StubbornService.Sleep, new SleepRequest { Milliseconds = 6000 }, CallOptions.FromTimeout(TimeSpan.FromMilliseconds(300))));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"took {watch.Elapsed}");
    }
}
