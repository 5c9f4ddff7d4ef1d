using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Rpc.Hosting;

/// <summary>
/// The plain-HTTP endpoint every EdgeLB process serves for Kubernetes and Prometheus: /healthz
/// (alive), /readyz (200 or 503 with a one-line reason) and /metrics (Prometheus text).
/// </summary>
public sealed class ProbeEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProbeEndpoint(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where it listens (the real port when <c>:0</c> was asked for).</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts the endpoint on <paramref name="listen"/> (address:port, e.g. 0.0.0.0:7474).
    /// <paramref name="readiness"/> says whether the process is ready and the line that says why (not);
    /// <paramref name="metrics"/> renders the metrics in Prometheus text format.
    /// </summary>
    public static async Task<ProbeEndpoint> StartAsync(string listen, ILoggerFactory loggers, Func<(bool Ready, string Detail)> readiness, Func<string> metrics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(readiness);
        ArgumentNullException.ThrowIfNull(metrics);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.UseUrls($"http://{listen}");
        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () =>
        {
            var (ready, detail) = readiness();
            return Results.Text(detail + "\n", statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", () => Results.Text(metrics(), "text/plain; version=0.0.4; charset=utf-8"));
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ProbeEndpoint(app, new Uri(address));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
