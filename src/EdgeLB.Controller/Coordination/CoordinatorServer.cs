using System.Net;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Hosting;
using EdgeLB.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The coordinator's own h2c endpoint (--grpc-listen), separate from the HTTP health and metrics
/// endpoint; it also answers grpc.health.v1 for the readiness probe (<see cref="CoordinatorHealth"/>).
/// </summary>
/// <remarks>
/// What one peer can make the server hold is bounded before any handler runs: at most
/// <see cref="ControllerOptions.GrpcMaxConnections"/> connections and
/// <see cref="MaxStreamsPerConnection"/> streams on each, and HTTP/2 flow-control windows sized for
/// the largest message a method accepts, so unread request data stays within
/// <see cref="StreamWindow"/> per stream and <see cref="ConnectionWindow"/> per connection.
/// </remarks>
internal sealed class CoordinatorServer(SessionService sessions, IPEndPoint listen, int maxConnections, Func<bool> ready, ILoggerFactory loggers) : IAsyncDisposable
{
    /// <summary>One stream per speaker; a thousand speakers share few connections only if they multiplex.</summary>
    public const int MaxStreamsPerConnection = 1000;

    /// <summary>
    /// HTTP/2's own initial window (the smallest Kestrel allows). Kestrel's default (768 KiB) would
    /// let every stream park that much that nobody reads; a Hello larger than this still arrives,
    /// as the window opens again while it is read.
    /// </summary>
    public const int StreamWindow = 65_535;

    /// <summary>Room for one largest heartbeat (<see cref="SessionService.MaxSpeakerMessageSize"/>) plus the frames of the other streams.</summary>
    public const int ConnectionWindow = SessionService.MaxSpeakerMessageSize + (256 * 1024);

    private WebApplication? _app;

    /// <summary>The bound endpoint, once started (the real port when the configured one was 0).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen, o => o.UseRpcProtocols());
            k.Limits.MaxConcurrentConnections = maxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = 0;
            k.Limits.Http2.MaxStreamsPerConnection = MaxStreamsPerConnection;
            k.Limits.Http2.InitialStreamWindowSize = StreamWindow;
            k.Limits.Http2.InitialConnectionWindowSize = ConnectionWindow;
        });
        builder.Services.AddEdgeLbRpc().AddService(_ => RpcServiceDefinition.CreateBuilder()
            .AddDuplexStreaming(CoordinatorMethods.Session, sessions.RunAsync, SessionService.MaxHelloSize)
            .AddUnary(CoordinatorMethods.GetState, sessions.GetStateAsync, SessionService.MaxStateRequestSize)
            .Build())
            .AddService(_ => CoordinatorHealth.Create(ready));
        _app = builder.Build();
        _app.UseEdgeLbRpc();
        await _app.StartAsync(cancellationToken);
        var address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Endpoint = new IPEndPoint(listen.Address, address.Port);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            // Sessions are long-lived streams: do not wait the default half minute for them.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
    }
}
