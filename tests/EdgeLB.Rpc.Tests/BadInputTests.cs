using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeLB.Rpc.Tests.Infrastructure;
using EdgeLB.Rpc.Tests.Interop;
using Google.Protobuf;

namespace EdgeLB.Rpc.Tests;

/// <summary>
/// Requests no well-behaved client sends. Each must end with the right status, without an exception
/// escaping into the server's log, and without leaving a call behind.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string UnaryPath = "/edgelb.interop.v1.Interop/Unary";
    private RpcTestServer _server = null!;

    public async Task InitializeAsync() => _server = await RpcTestServer.StartAsync(o => o.MaxReceiveMessageSize = 64 * 1024);

    public async Task DisposeAsync()
    {
        // Whatever the test did, the server must be idle and must not have logged an error.
        Assert.Equal(0, await _server.WaitForIdleAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _server.Interop.ActiveHandlers);
        Assert.True(_server.Log.Problems.IsEmpty, string.Join('\n', _server.Log.Problems));
        await _server.DisposeAsync();
    }

    private static byte[] Echo(string message) => RawGrpc.Frame(new EchoRequest { Message = message }.ToByteArray());

    [Fact]
    public async Task WellFormedRawRequest_Ok()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, Echo("hi"));
        Assert.Equal(200, response.HttpStatus);
        Assert.Null(response.HeaderStatus);
        Assert.Equal("0", response.TrailerStatus);
        Assert.True(response.BodyLength > 5);
    }

    [Theory]
    [InlineData("/edgelb.interop.v1.Interop/NoSuchMethod")]
    [InlineData("/no.such.Service/Unary")]
    [InlineData("/edgelb.interop.v1.interop/unary")]
    public async Task UnknownMethod_TrailersOnlyUnimplemented(string path)
    {
        var response = await RawGrpc.SendAsync(_server.Address, path, Echo("hi"));
        Assert.Equal(200, response.HttpStatus);
        Assert.Equal("12", response.HeaderStatus);
        Assert.Null(response.TrailerStatus);
        Assert.Equal(0, response.BodyLength);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/grpc+json")]
    [InlineData("text/plain")]
    public async Task WrongContentType_415WithStatus(string contentType)
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, Echo("hi"), contentType);
        Assert.Equal(415, response.HttpStatus);
        Assert.Equal("13", response.HeaderStatus);
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task GrpcContentTypeVariants_Accepted(string contentType)
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, Echo("hi"), contentType);
        Assert.Equal("0", response.Status);
    }

    [Fact]
    public async Task Http11Request_426WithStatus()
    {
        var response = await RawGrpc.SendAsync(_server.Http1Address, UnaryPath, Echo("hi"), version: HttpVersion.Version11);
        Assert.Equal(426, response.HttpStatus);
        Assert.Equal("13", response.HeaderStatus);
        Assert.Contains("HTTP/1.1", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http11BytesOnH2cEndpoint_ConnectionClosed_ServerStillServes()
    {
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, _server.Address.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"POST {UnaryPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nContent-Length: 0\r\n\r\n"));
            var buffer = new byte[4096];
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            while (await socket.ReceiveAsync(buffer, cts.Token) > 0)
            {
                // Kestrel answers an HTTP/2 GOAWAY (PROTOCOL_ERROR) and closes; read until it does.
            }
        }

        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, Echo("still here"));
        Assert.Equal("0", response.Status);
    }

    [Fact]
    public async Task MissingTe_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, Echo("hi"), te: false);
        Assert.Equal("13", response.HeaderStatus);
        Assert.Contains("te", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LengthPrefixOverLimit_ResourceExhaustedBeforeTheBody()
    {
        // Declares 100 MB but sends nothing more: the server must answer from the header alone.
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, RawGrpc.Frame([], declaredLength: 100_000_000));
        Assert.Equal("8", response.Status);
    }

    [Fact]
    public async Task MessageOverConfiguredLimit_ResourceExhausted()
    {
        var big = RawGrpc.Frame(new EchoRequest { Payload = ByteString.CopyFrom(new byte[100 * 1024]) }.ToByteArray());
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, big);
        Assert.Equal("8", response.Status);
    }

    [Fact]
    public async Task TruncatedMessage_Internal()
    {
        var frame = RawGrpc.Frame(new byte[3], declaredLength: 10);
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, frame);
        Assert.Equal("13", response.Status);
    }

    [Fact]
    public async Task TruncatedHeader_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, [0, 0, 0]);
        Assert.Equal("13", response.Status);
    }

    [Fact]
    public async Task EmptyUnaryRequest_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, []);
        Assert.Equal("13", response.Status);
    }

    [Fact]
    public async Task TwoMessagesOnUnary_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, [.. Echo("a"), .. Echo("b")]);
        Assert.Equal("13", response.Status);
    }

    [Fact]
    public async Task CompressedFlagWithoutEncoding_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, RawGrpc.Frame(new EchoRequest { Message = "x" }.ToByteArray(), flag: 1));
        Assert.Equal("13", response.Status);
        Assert.Contains("compressed", response.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidFlagByte_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, RawGrpc.Frame([], flag: 7));
        Assert.Equal("13", response.Status);
    }

    [Fact]
    public async Task UnsupportedGrpcEncoding_UnimplementedWithAcceptEncoding()
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["grpc-encoding"] = "gzip" };
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, RawGrpc.Frame([1, 2, 3], flag: 1), headers: headers);
        Assert.Equal("12", response.HeaderStatus);
        Assert.Equal("identity", response.AcceptEncoding);
    }

    [Fact]
    public async Task GarbageProtobuf_Internal()
    {
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF]));
        Assert.Equal("13", response.Status);
    }

    [Theory]
    [InlineData("1000")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    public async Task MalformedTimeout_Internal(string value)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["grpc-timeout"] = value };
        var response = await RawGrpc.SendAsync(_server.Address, UnaryPath, Echo("hi"), headers: headers);
        Assert.Equal("13", response.HeaderStatus);
    }

    [Fact]
    public async Task ClientResetsMidStream_HandlerCancelled()
    {
        using var channel = _server.CreateChannel();
        var before = _server.Interop.Cancelled;
        var call = channel.DuplexStreaming(InteropMethods.Bidi);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "one" });
        Assert.True(await call.ResponseStream.MoveNextAsync());
        call.Dispose(); // RST_STREAM(CANCEL) with the request stream still open
        await WaitUntilAsync(() => _server.Interop.Cancelled > before);
    }

    [Fact]
    public async Task ClientConnectionDropsMidStream_HandlersCancelled()
    {
        var before = _server.Interop.Cancelled;
        Socket? socket = null;
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        var sends = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 20; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "/edgelb.interop.v1.Interop/Bidi"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new HalfFrameContent(),
            };
            request.Headers.TryAddWithoutValidation("te", "trailers");
            sends.Add(invoker.SendAsync(request, CancellationToken.None));
        }

        await WaitUntilAsync(() => _server.Server.ActiveCalls == 20);
        socket!.Dispose(); // the TCP connection vanishes under 20 open streams, no RST_STREAM, no GOAWAY
        await WaitUntilAsync(() => _server.Server.ActiveCalls == 0);
        foreach (var send in sends)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => send);
        }
    }

    [Fact]
    public async Task PartialFrameThenReset_NoLeak()
    {
        // A raw request that sends half a message and then vanishes.
        using var handler = new SocketsHttpHandler();
        using var invoker = new HttpMessageInvoker(handler);
        var content = new HalfFrameContent();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.Address, "/edgelb.interop.v1.Interop/Bidi"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var cts = new CancellationTokenSource();
        var send = invoker.SendAsync(request, cts.Token);
        await content.Sent.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await WaitUntilAsync(() => _server.Server.ActiveCalls == 1);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
    }

    [Fact]
    public async Task AbandonedStreams_ThousandOpenedAndDropped_ServerStateReturnsToZero()
    {
        using var channel = _server.CreateChannel();
        const int Batch = 100;
        for (var round = 0; round < 10; round++)
        {
            var calls = new DuplexStreamingCall<EchoRequest, EchoReply>[Batch];
            for (var i = 0; i < Batch; i++)
            {
                calls[i] = channel.DuplexStreaming(InteropMethods.Bidi);
            }

            // Every stream reaches its handler (one round-trip each), then all are abandoned at once.
            await Task.WhenAll(calls.Select(async c =>
            {
                await c.RequestStream.WriteAsync(new EchoRequest { Message = "x" });
                Assert.True(await c.ResponseStream.MoveNextAsync());
            }));
            Assert.True(_server.Server.ActiveCalls >= Batch, $"only {_server.Server.ActiveCalls} calls active");
            foreach (var call in calls)
            {
                call.Dispose();
            }
        }

        Assert.Equal(0, await _server.WaitForIdleAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _server.Interop.ActiveHandlers);
        Assert.True(_server.Server.TotalCalls >= 1000);

        var reply = await channel.UnaryAsync(InteropMethods.Unary, new EchoRequest { Message = "after" }, CallOptions.FromTimeout(TimeSpan.FromSeconds(5)));
        Assert.Equal("after", reply.Message);
    }

    [Fact]
    public async Task BidiWaitingForInputPastDeadline_DeadlineExceeded()
    {
        // The client opens a bidi call and never writes: the handler waits on its input until the
        // deadline cancels it. (A handler that ignores cancellation: ClientStatusTests.)
        using var channel = _server.CreateChannel();
        using var call = channel.DuplexStreaming(InteropMethods.Bidi, CallOptions.FromTimeout(TimeSpan.FromMilliseconds(200)));
        var ex = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var end = DateTime.UtcNow.AddSeconds(10);
        while (!condition() && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        Assert.True(condition(), "condition not reached in 10 s");
    }

    private sealed class HalfFrameContent : HttpContent
    {
        public HalfFrameContent() => Headers.TryAddWithoutValidation("Content-Type", "application/grpc");

        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(RawGrpc.Frame([], declaredLength: 50).AsMemory(0, 5), cancellationToken);
            await stream.WriteAsync(new byte[10], cancellationToken);
            await stream.FlushAsync(cancellationToken);
            Sent.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
