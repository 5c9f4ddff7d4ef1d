using System.Diagnostics;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Health;
using EdgeLB.Rpc.Health.V1;
using EdgeLB.Rpc.Tests.Interop;
using Google.Protobuf;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>
/// What our client checks against any server of the interop service (ours, grpcio's, grpc-js's): the
/// same scenarios the peer clients run against ours.
/// </summary>
internal static class InteropScenarios
{
    public static readonly string[] Common =
        ["unary", "unary_large", "server_stream", "client_stream", "bidi", "fail", "unimplemented", "deadline", "cancel", "oversize"];

    public static TheoryData<string> CommonData => [.. Common];

    public static TheoryData<string> WithHealthData => [.. Common, "health"];

    public static Task RunAsync(string name, RpcChannel channel) => name switch
    {
        "unary" => UnaryAsync(channel),
        "unary_large" => UnaryLargeAsync(channel),
        "server_stream" => ServerStreamAsync(channel),
        "client_stream" => ClientStreamAsync(channel),
        "bidi" => BidiAsync(channel),
        "fail" => FailAsync(channel),
        "unimplemented" => UnimplementedAsync(channel),
        "deadline" => DeadlineAsync(channel),
        "cancel" => CancelAsync(channel),
        "oversize" => OversizeAsync(channel),
        "health" => HealthAsync(channel),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown scenario"),
    };

    private static CallOptions Timeout(double seconds = 5, Metadata? headers = null) => CallOptions.FromTimeout(TimeSpan.FromSeconds(seconds), headers);

    private static async Task UnaryAsync(RpcChannel channel)
    {
        var headers = new Metadata { { "authorization", "Bearer tok-123" }, { "x-echo", "abc" } };
        var reply = await channel.UnaryAsync(InteropMethods.Unary, new EchoRequest { Message = "hello", Payload = ByteString.CopyFrom(0, 1, 255) }, Timeout(headers: headers));
        Assert.Equal("hello", reply.Message);
        Assert.Equal([0, 1, 255], reply.Payload.ToByteArray());
        Assert.Equal("tok-123", reply.Authorization);
        Assert.Equal("abc", reply.Metadata);

        // Trailers are visible through the streaming API, which exposes them after the end.
        using var call = channel.ClientStreaming(InteropMethods.ClientStream, Timeout());
        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    private static async Task UnaryLargeAsync(RpcChannel channel)
    {
        var payload = new byte[1024 * 1024];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)i;
        }

        var reply = await channel.UnaryAsync(InteropMethods.Unary, new EchoRequest { Payload = ByteString.CopyFrom(payload) }, Timeout(10));
        Assert.True(reply.Payload.Span.SequenceEqual(payload), "1 MiB payload did not round-trip");
    }

    private static async Task ServerStreamAsync(RpcChannel channel)
    {
        using var call = channel.ServerStreaming(InteropMethods.ServerStream, new StreamRequest { Count = 5, PayloadSize = 10 }, Timeout());
        var replies = new List<EchoReply>();
        await foreach (var reply in call.ResponseStream.ReadAllAsync())
        {
            replies.Add(reply);
        }

        Assert.Equal([0, 1, 2, 3, 4], replies.Select(r => r.Index));
        Assert.All(replies, r => Assert.Equal(10, r.Payload.Length));
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    private static async Task ClientStreamAsync(RpcChannel channel)
    {
        using var call = channel.ClientStreaming(InteropMethods.ClientStream, Timeout());
        for (var i = 0; i < 3; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Payload = ByteString.CopyFromUtf8("ab") });
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call.ResponseAsync;
        Assert.Equal(3, summary.Count);
        Assert.Equal("0,1,2", summary.Joined);
        Assert.Equal(6, summary.TotalBytes);
    }

    private static async Task BidiAsync(RpcChannel channel)
    {
        using var call = channel.DuplexStreaming(InteropMethods.Bidi, Timeout(10));
        for (var i = 0; i < 3; i++)
        {
            // Ping-pong: each reply must arrive before the next request is sent.
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" });
            Assert.True(await call.ResponseStream.MoveNextAsync());
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
            Assert.Equal(i, call.ResponseStream.Current.Index);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.OK, call.GetStatus().Code);
    }

    private static async Task FailAsync(RpcChannel channel)
    {
        const string Text = "précondition échouée à 100%";
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Fail, new FailRequest { Code = 9, Message = Text }, Timeout()));
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        Assert.Equal(Text, ex.Detail);
        Assert.Equal("yes", ex.Trailers.Get("x-fail"));
    }

    private static async Task UnimplementedAsync(RpcChannel channel)
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Missing, new Empty(), Timeout()));
        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    private static async Task DeadlineAsync(RpcChannel channel)
    {
        var before = (await channel.UnaryAsync(InteropMethods.GetStats, new Empty(), Timeout())).Cancelled;
        var watch = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Sleep, new SleepRequest { Milliseconds = 10000 }, CallOptions.FromTimeout(TimeSpan.FromMilliseconds(300))));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4), $"deadline took {watch.Elapsed}");
        await WaitCancelledAsync(channel, before);
    }

    private static async Task CancelAsync(RpcChannel channel)
    {
        var before = (await channel.UnaryAsync(InteropMethods.GetStats, new Empty(), Timeout())).Cancelled;
        using var cts = new CancellationTokenSource();
        using var call = channel.ServerStreaming(InteropMethods.ServerStream, new StreamRequest { Count = -1, IntervalMs = 10 }, new CallOptions(CancellationToken: cts.Token));
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.True(await call.ResponseStream.MoveNextAsync());
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNextAsync())
            {
            }
        });
        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        await WaitCancelledAsync(channel, before);
    }

    private static async Task OversizeAsync(RpcChannel channel)
    {
        var payload = ByteString.CopyFrom(new byte[5 * 1024 * 1024]);
        using var big = RpcChannel.Create(channel.Address, new RpcChannelOptions { MaxSendMessageSize = 16 * 1024 * 1024 });
        var ex = await Assert.ThrowsAsync<RpcException>(() => big.UnaryAsync(InteropMethods.Unary, new EchoRequest { Payload = payload }, Timeout(10)));
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);

        // Our own send limit (4 MiB by default) stops it before it leaves.
        var local = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Unary, new EchoRequest { Payload = payload }, Timeout(10)));
        Assert.Equal(StatusCode.ResourceExhausted, local.StatusCode);
    }

    private static async Task HealthAsync(RpcChannel channel)
    {
        var reply = await channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest(), Timeout());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(HealthMethods.Check, new HealthCheckRequest { Service = "no.such.Service" }, Timeout()));
        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
    }

    private static async Task WaitCancelledAsync(RpcChannel channel, int before)
    {
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (DateTime.UtcNow < end)
        {
            if ((await channel.UnaryAsync(InteropMethods.GetStats, new Empty(), Timeout())).Cancelled > before)
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail("the server never saw the call end early");
    }
}
