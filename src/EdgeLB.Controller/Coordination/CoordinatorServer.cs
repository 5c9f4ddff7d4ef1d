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

/// <summary>The coordinator's own h2c endpoint (--grpc-listen), separate from the HTTP health and metrics endpoint.</summary>
internal sealed class CoordinatorServer(SessionService sessions, IPEndPoint listen, ILoggerFactory loggers) : IAsyncDisposable
{
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

            // One stream per speaker; a thousand speakers share few connections only if they multiplex.
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
        });
        builder.Services.AddEdgeLbRpc().AddService(_ => RpcServiceDefinition.CreateBuilder()
            .AddDuplexStreaming(CoordinatorMethods.Session, sessions.RunAsync)
            .AddUnary(CoordinatorMethods.GetState, sessions.GetStateAsync)
            .Build());
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
