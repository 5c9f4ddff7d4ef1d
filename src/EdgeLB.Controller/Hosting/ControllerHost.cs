using System.Diagnostics.Metrics;
using System.Net;
using EdgeLB.Controller.Allocation;
using EdgeLB.Controller.Observability;
using EdgeLB.Core.Observability;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.LeaderElection;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Hosting;

/// <summary>
/// The controller process: informers, leader election, the allocation reconciler, and the HTTP
/// endpoint with /healthz, /readyz (200 only on the leader, once it has re-learned every address)
/// and /metrics.
/// </summary>
public sealed class ControllerHost : IAsyncDisposable
{
    private readonly ControllerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly KubeApiClient _client;
    private readonly Informer<Service> _services;
    private readonly Informer<IPAddressPool> _pools;
    private readonly Informer<KubeNamespace> _namespaces;
    private readonly EventRecorder _events;
    private readonly ControllerMetrics _metrics = new();
    private readonly PrometheusExporter _exporter = new();
    private readonly AllocationReconciler _reconciler;
    private readonly LeaderElector _elector;
    private WebApplication? _http;

    public ControllerHost(ControllerOptions options, ILoggerFactory loggers, KubernetesClientConfiguration? kubernetes = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid controller settings: " + string.Join("; ", problems), nameof(options));
        }

        _options = options;
        _loggers = loggers;
        _time = time ?? TimeProvider.System;
        var logger = loggers.CreateLogger("EdgeLB.Controller");
        kubernetes ??= KubernetesClientConfiguration.Load(options.Kubeconfig, logger: logger, time: _time);
        _client = new KubeApiClient(kubernetes, logger: loggers.CreateLogger<KubeApiClient>(), time: _time);
        _services = new Informer<Service>(_client, Resources.Services, logger: loggers.CreateLogger("EdgeLB.Controller.Services"), time: _time);
        _pools = new Informer<IPAddressPool>(_client, Resources.IPAddressPools, new InformerOptions { Namespace = options.Namespace }, loggers.CreateLogger("EdgeLB.Controller.Pools"), _time);
        _namespaces = new Informer<KubeNamespace>(_client, Resources.Namespaces, logger: loggers.CreateLogger("EdgeLB.Controller.Namespaces"), time: _time);
        var identity = options.Identity ?? Environment.GetEnvironmentVariable("POD_NAME") ?? Dns.GetHostName();
        _events = new EventRecorder(_client, new EventRecorderOptions { Component = "edgelb-controller", Host = identity }, loggers.CreateLogger<EventRecorder>(), _time);
        _reconciler = new AllocationReconciler(_client, _services.Cache, _pools.Cache, _namespaces.Cache, _events, options, _metrics, logger, _time);
        _services.AddHandler(new InformerHandler<Service>(_reconciler.ServiceChanged, (_, s) => _reconciler.ServiceChanged(s), _reconciler.ServiceChanged));
        _pools.AddHandler(new InformerHandler<IPAddressPool>(_ => _reconciler.PoolsChanged(), (_, _) => _reconciler.PoolsChanged(), _ => _reconciler.PoolsChanged()));
        _namespaces.AddHandler(new InformerHandler<KubeNamespace>(ns => _reconciler.NamespaceChanged(null, ns), _reconciler.NamespaceChanged, _ => { }));
        _elector = new LeaderElector(
            _client,
            new LeaderElectionOptions
            {
                LeaseNamespace = options.Namespace,
                LeaseName = options.LeaseName,
                Identity = identity,
                LeaseDuration = options.LeaseDuration,
                RenewDeadline = options.RenewDeadline,
                RetryPeriod = options.RetryPeriod,
            },
            loggers.CreateLogger<LeaderElector>(),
            _time);
        _metrics.ObserveLeader(() => _elector.IsLeader);
        _metrics.ObserveRelists(() => [Relists(_services), Relists(_pools), Relists(_namespaces)]);
        Identity = identity;
    }

    public string Identity { get; }

    public bool IsLeader => _elector.IsLeader;

    /// <summary>Leading and done re-learning: the state /readyz reports.</summary>
    public bool IsReady => _elector.IsLeader && _reconciler.IsActive;

    /// <summary>The address the HTTP endpoint listens on, once started.</summary>
    public Uri? HttpAddress { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = _loggers.CreateLogger("EdgeLB.Controller");
        _http = BuildHttp();
        await _http.StartAsync(cancellationToken);
        var addresses = _http.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>();
        HttpAddress = new Uri(addresses!.Addresses.First());

        var informers = new[] { _services.RunAsync(cancellationToken), _pools.RunAsync(cancellationToken), _namespaces.RunAsync(cancellationToken) };
        await Task.WhenAll(_services.WaitForSyncAsync(cancellationToken), _pools.WaitForSyncAsync(cancellationToken), _namespaces.WaitForSyncAsync(cancellationToken));

        Task leading = Task.CompletedTask;
        _elector.OnStartedLeading = token => leading = _reconciler.RunAsync(token);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await _elector.RunAsync(cancellationToken);
                await leading;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            ControllerLog.ComponentFailed(logger, ex, "leader election");
            throw;
        }
        finally
        {
            await Task.WhenAll(informers).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private WebApplication BuildHttp()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggers);
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, EmbeddedHostLifetime>();
        builder.WebHost.UseUrls($"http://{_options.HttpListen}");
        var app = builder.Build();

        // Plain request delegates: a Delegate handler would go through the minimal-API request
        // delegate factory, which loads expression trees and form binding for three fixed answers.
        app.MapGet("/healthz", context => Text(context, 200, "ok\n"));
        app.MapGet("/readyz", context => IsReady
            ? Text(context, 200, $"leading as {Identity}\n")
            : Text(context, 503, _elector.IsLeader ? "leading, re-learning addresses\n" : $"not leading (leader: {_elector.ObservedLeader})\n"));
        app.MapGet("/metrics", context => Text(context, 200, _exporter.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        return app;
    }

    private static Measurement<long> Relists<T>(Informer<T> informer)
        where T : class, IKubernetesObject =>
        new(informer.RelistCount, new KeyValuePair<string, object?>("resource", informer.ResourceName));

    private static Task Text(HttpContext context, int status, string text, string contentType = "text/plain; charset=utf-8")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(text, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }

        _exporter.Dispose();
        _metrics.Dispose();
        _events.Dispose();
        _client.Dispose();
    }
}
