using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Rpc.Hosting;
using EdgeLB.Rpc.Server;
using EdgeLB.Speaker.Session;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>
/// A coordinator that follows the proto's semantics as far as a test drives it, served by EdgeLB.Rpc
/// on loopback h2c. Each accepted Session is handed to the test as a <see cref="FakeSession"/>.
/// </summary>
internal sealed class FakeCoordinator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<FakeSession> _accepted = Channel.CreateUnbounded<FakeSession>();

    private FakeCoordinator(WebApplication app, int port, EventLog log)
    {
        _app = app;
        Endpoint = new ControllerEndpoint("127.0.0.1", port);
        Log = log;
    }

    public ControllerEndpoint Endpoint { get; }

    public EventLog Log { get; }

    /// <summary>When set, every Session ends at once with UNAVAILABLE and this leader trailer (a follower).</summary>
    public string? FollowerOf { get; set; }

    /// <summary>When set, every Session ends at once with this status (no trailer).</summary>
    public StatusCode? Refuse { get; set; }

    public int Attempts;

    public static async Task<FakeCoordinator> StartAsync(EventLog? log = null)
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, o => o.UseRpcProtocols()));
        FakeCoordinator? self = null;
        builder.Services.AddEdgeLbRpc().AddService(_ => RpcServiceDefinition.CreateBuilder()
            .AddDuplexStreaming(CoordinatorMethods.Session, (requests, responses, context) => self!.SessionAsync(requests, responses, context))
            .Build());
        var app = builder.Build();
        app.UseEdgeLbRpc();
        await app.StartAsync();
        self = new FakeCoordinator(app, port, log ?? new EventLog());
        return self;
    }

    /// <summary>The next session a speaker opens (bounded wait).</summary>
    public async Task<FakeSession> AcceptAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        return await _accepted.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task SessionAsync(IRpcStreamReader<SpeakerMessage> requests, IRpcStreamWriter<ControllerMessage> responses, ServerCallContext context)
    {
        Interlocked.Increment(ref Attempts);
        if (FollowerOf is { } leader)
        {
            var trailers = new Metadata { { SpeakerSession.LeaderTrailer, leader } };
            throw new RpcException(new RpcStatus(StatusCode.Unavailable, "not the leader"), trailers);
        }

        if (Refuse is { } status)
        {
            throw new RpcException(status, "refused by the test");
        }

        var session = new FakeSession(context.RequestHeaders, responses, Log);
        _accepted.Writer.TryWrite(session);
        var reading = session.PumpAsync(requests, context.CancellationToken);
        var ended = await Task.WhenAny(reading, session.EndRequested.Task);
        if (ended == session.EndRequested.Task && session.EndRequested.Task.Result is { } failure)
        {
            throw failure;
        }

        if (ended == reading)
        {
            await session.EndRequested.Task.WaitAsync(TimeSpan.FromSeconds(10), context.CancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private static int FreePort()
    {
        using var listener = new Socket(System.Net.Sockets.AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }
}
