using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Health;
using EdgeLB.Rpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServingStatus = EdgeLB.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>
/// Our server on loopback with the interop and health services, listening three ways: h2c (HTTP/2
/// prior knowledge), TLS with ALPN h2, and a plain HTTP/1.1 endpoint for the protocol-mismatch tests.
/// </summary>
internal sealed class RpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RpcTestServer(WebApplication app, int h2cPort, int tlsPort, int http1Port, X509Certificate2 certificate)
    {
        _app = app;
        Address = new Uri($"http://127.0.0.1:{h2cPort}");
        TlsAddress = new Uri($"https://127.0.0.1:{tlsPort}");
        Http1Address = new Uri($"http://127.0.0.1:{http1Port}");
        Certificate = certificate;
    }

    public Uri Address { get; }

    public Uri TlsAddress { get; }

    public Uri Http1Address { get; }

    public X509Certificate2 Certificate { get; }

    public InteropService Interop => _app.Services.GetRequiredService<InteropService>();

    public HealthService Health => _app.Services.GetRequiredService<HealthService>();

    public RpcServer Server => _app.Services.GetRequiredService<RpcServer>();

    public RecordingLoggerProvider Log => _app.Services.GetRequiredService<RecordingLoggerProvider>();

    /// <summary>
    /// Starts the server on three free loopback ports. A port found free can be taken by another test
    /// before Kestrel binds it, so a bind that finds it in use is tried again on new ports (bounded).
    /// </summary>
    public static async Task<RpcTestServer> StartAsync(Action<RpcServerOptions>? configure = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(configure);
            }
            catch (IOException ex) when (attempt < 5 && ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException)
            {
            }
        }
    }

    private static async Task<RpcTestServer> StartOnceAsync(Action<RpcServerOptions>? configure)
    {
        var certificate = CreateCertificate();
        var (h2c, tls, http1) = (FreePort(), FreePort(), FreePort());
        var builder = WebApplication.CreateSlimBuilder();
        var recorder = new RecordingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(recorder);
        builder.Services.AddSingleton(recorder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, h2c, o => o.UseRpcProtocols());
            kestrel.Listen(IPAddress.Loopback, tls, o => o.UseRpcProtocols().UseHttps(certificate));
            kestrel.Listen(IPAddress.Loopback, http1, o => o.Protocols = HttpProtocols.Http1);
        });
        builder.Services.AddSingleton<InteropService>();
        builder.Services.AddEdgeLbRpc(configure)
            .AddService(sp => sp.GetRequiredService<InteropService>().CreateDefinition())
            .AddService(_ => StubbornService.CreateDefinition())
            .AddHealthService();
        var app = builder.Build();
        // Plain HTTP answers without any grpc-status, for the client's HTTP status mapping.
        app.Use((http, next) =>
        {
            const string Prefix = "/http-status/";
            var path = http.Request.Path.Value ?? string.Empty;
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                return next(http);
            }

            http.Response.StatusCode = int.Parse(path.AsSpan(Prefix.Length), System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        app.UseEdgeLbRpc();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        app.Services.GetRequiredService<HealthService>().SetStatus(string.Empty, ServingStatus.Serving);
        return new RpcTestServer(app, h2c, tls, http1, certificate);
    }

    public RpcChannel CreateChannel(RpcChannelOptions? options = null) => RpcChannel.Create(Address, options);

    /// <summary>Waits (bounded) until no call is active on the server; returns the last count seen.</summary>
    public async Task<long> WaitForIdleAsync(TimeSpan timeout)
    {
        var end = DateTime.UtcNow + timeout;
        while (Server.ActiveCalls != 0 && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        return Server.ActiveCalls;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Certificate.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
