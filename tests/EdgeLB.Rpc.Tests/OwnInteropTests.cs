using System.Net.Security;
using EdgeLB.Rpc.Health;
using EdgeLB.Rpc.Health.V1;
using EdgeLB.Rpc.Tests.Infrastructure;
using EdgeLB.Rpc.Tests.Interop;
using ServingStatus = EdgeLB.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace EdgeLB.Rpc.Tests;

/// <summary>Our client against our server: the same scenarios as with the peers, plus TLS, health Watch and metadata.</summary>
public sealed class OwnInteropTests(OurServerFixture fixture) : IClassFixture<OurServerFixture>
{
    private RpcTestServer Server => fixture.Server;

    [Theory]
    [MemberData(nameof(InteropScenarios.WithHealthData), MemberType = typeof(InteropScenarios))]
    public async Task OurClient_OurServer_ScenarioPasses(string scenario)
    {
        using var channel = Server.CreateChannel();
        await InteropScenarios.RunAsync(scenario, channel);
    }

    [Fact]
    public async Task Tls_AllCallKinds_Work()
    {
        var options = new RpcChannelOptions
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == Server.Certificate.GetCertHashString(),
            },
        };
        using var channel = RpcChannel.Create(Server.TlsAddress, options);
        foreach (var scenario in new[] { "unary", "server_stream", "client_stream", "bidi", "fail" })
        {
            await InteropScenarios.RunAsync(scenario, channel);
        }
    }

    [Fact]
    public async Task Tls_UntrustedCertificate_Unavailable()
    {
        using var channel = RpcChannel.Create(Server.TlsAddress);
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Unary, new EchoRequest(), CallOptions.FromTimeout(TimeSpan.FromSeconds(5))));
        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task HealthWatch_StatusChanges_AreStreamed()
    {
        const string Service = "edgelb.test.Watched";
        using var channel = Server.CreateChannel();
        using var call = channel.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest { Service = Service }, CallOptions.FromTimeout(TimeSpan.FromSeconds(10)));
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.ServiceUnknown, call.ResponseStream.Current.Status);

        Server.Health.SetStatus(Service, ServingStatus.Serving);
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.Serving, call.ResponseStream.Current.Status);

        Server.Health.SetStatus(Service, ServingStatus.NotServing);
        Assert.True(await call.ResponseStream.MoveNextAsync());
        Assert.Equal(ServingStatus.NotServing, call.ResponseStream.Current.Status);
    }

    [Fact]
    public async Task HealthWatch_ClientLeaves_WatcherRemoved()
    {
        using var channel = Server.CreateChannel();
        using (var call = channel.ServerStreaming(HealthMethods.Watch, new HealthCheckRequest { Service = "edgelb.test.Leaving" }))
        {
            Assert.True(await call.ResponseStream.MoveNextAsync());
        }

        var end = DateTime.UtcNow.AddSeconds(5);
        while (Server.Health.WatcherCount != 0 && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, Server.Health.WatcherCount);
    }

    [Fact]
    public async Task Deadline_AlreadyPassed_FailsWithoutSending()
    {
        using var channel = Server.CreateChannel();
        var before = Server.Server.TotalCalls;
        var ex = await Assert.ThrowsAsync<RpcException>(() => channel.UnaryAsync(InteropMethods.Unary, new EchoRequest(), new CallOptions(Deadline: DateTimeOffset.UtcNow.AddSeconds(-1))));
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.Equal(before, Server.Server.TotalCalls);
    }

    [Fact]
    public async Task ServerStream_DeadlineMidStream_DeadlineExceeded()
    {
        using var channel = Server.CreateChannel();
        using var call = channel.ServerStreaming(InteropMethods.ServerStream, new StreamRequest { Count = -1, IntervalMs = 20 }, CallOptions.FromTimeout(TimeSpan.FromMilliseconds(300)));
        var received = 0;
        var ex = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNextAsync())
            {
                received++;
            }
        });
        Assert.Equal(StatusCode.DeadlineExceeded, ex.StatusCode);
        Assert.InRange(received, 1, 100);
    }

    [Fact]
    public async Task ManyConcurrentUnaryCalls_AllSucceed()
    {
        using var channel = Server.CreateChannel();
        var calls = Enumerable.Range(0, 300).Select(i => channel.UnaryAsync(InteropMethods.Unary, new EchoRequest { Message = $"n{i}" }, CallOptions.FromTimeout(TimeSpan.FromSeconds(20))));
        var replies = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"n{i}").ToArray(), replies.Select(r => r.Message).ToArray());
    }

    [Fact]
    public async Task ResponseHeaders_AreAvailableBeforeMessages()
    {
        using var channel = Server.CreateChannel();
        using var call = channel.DuplexStreaming(InteropMethods.Bidi);
        await call.RequestStream.WriteAsync(new EchoRequest { Message = "x" });
        var headers = await call.GetResponseHeadersAsync();
        Assert.Equal("application/grpc", headers.Get("content-type") ?? "application/grpc");
        Assert.True(await call.ResponseStream.MoveNextAsync());
        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNextAsync());
    }

    [Fact]
    public async Task ClientStreamToUnknownMethod_WritesAndResponseReportUnimplemented()
    {
        var missing = new Method<EchoRequest, Summary>(MethodType.ClientStreaming, InteropMethods.Service, "NoSuchStream", EchoRequest.Parser, Summary.Parser);
        using var channel = Server.CreateChannel();
        using var call = channel.ClientStreaming(missing, CallOptions.FromTimeout(TimeSpan.FromSeconds(10)));
        RpcException? writeFailure = null;
        for (var i = 0; i < 200 && writeFailure is null; i++)
        {
            try
            {
                await call.RequestStream.WriteAsync(new EchoRequest { Message = "x" });
                await Task.Delay(10);
            }
            catch (RpcException ex)
            {
                writeFailure = ex;
            }
        }

        var response = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.Unimplemented, response.StatusCode);
        Assert.NotNull(writeFailure);
        Assert.Equal(StatusCode.Unimplemented, writeFailure.StatusCode);
    }

    [Fact]
    public async Task DuplexToUnknownMethod_WriteWithoutReading_ReportsUnimplemented()
    {
        // Nobody reads the responses, so only the write path can learn the server's answer.
        var missing = new Method<EchoRequest, EchoReply>(MethodType.DuplexStreaming, InteropMethods.Service, "NoSuchBidi", EchoRequest.Parser, EchoReply.Parser);
        using var channel = Server.CreateChannel();
        using var call = channel.DuplexStreaming(missing, CallOptions.FromTimeout(TimeSpan.FromSeconds(10)));
        RpcException? writeFailure = null;
        for (var i = 0; i < 200 && writeFailure is null; i++)
        {
            try
            {
                await call.RequestStream.WriteAsync(new EchoRequest { Message = "x" });
                await Task.Delay(10);
            }
            catch (RpcException ex)
            {
                writeFailure = ex;
            }
        }

        Assert.NotNull(writeFailure);
        Assert.Equal(StatusCode.Unimplemented, writeFailure.StatusCode);
        var read = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNextAsync());
        Assert.Equal(StatusCode.Unimplemented, read.StatusCode);
    }
}
