using System.Diagnostics.Metrics;
using System.Net;
using EdgeLB.Controller.Allocation;
using EdgeLB.Controller.Coordination;
using EdgeLB.Controller.Observability;
using EdgeLB.Core.Observability;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.LeaderElection;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Hosting;

/// <summary>
/// The controller process: informers, leader election, the allocation reconciler, the speakers'
/// coordinator (gRPC on --grpc-listen), and the HTTP endpoint with /healthz, /readyz (200 only on
/// the leader, once it has re-learned every address) and /metrics.
/// </summary>
public sealed class ControllerHost : IAsyncDisposable
{
    private readonly ControllerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;
    private readonly KubeApiClient _client;
    private readonly Informer<Service> _services;
    private readonly Informer<IPAddressPool> _pools;
    private readonly Informer<Node> _nodes;
    private readonly Informer<EndpointSlice> _endpointSlices;
    private readonly Informer<L2Advertisement> _advertisements;
    private readonly CoordinationHost _coordination;
    private readonly Informer<KubeNamespace> _namespaces;
    private readonly EventRecorder _events;
    private readonly ControllerMetrics _metrics = new();
    private readonly PrometheusExporter _exporter = new();
    private readonly AllocationReconciler _reconciler;
    private readonly LeaderElector _elector;
    private ProbeEndpoint? _http;

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
        _services = new Informer<Service>(_client, Resources.Services, logger: loggers.CreateLogger("EdgeLB.Controller.Services"), time: _time)
        {
            ShareUnchanged = ServiceSharing.ShareUnchanged,
        };
        _pools = new Informer<IPAddressPool>(_client, Resources.IPAddressPools, new InformerOptions { Namespace = options.Namespace }, loggers.CreateLogger("EdgeLB.Controller.Pools"), _time);
        _namespaces = new Informer<KubeNamespace>(_client, Resources.Namespaces, logger: loggers.CreateLogger("EdgeLB.Controller.Namespaces"), time: _time);
        var identity = options.Identity ?? Environment.GetEnvironmentVariable("POD_NAME") ?? Dns.GetHostName();
        _events = new EventRecorder(_client, new EventRecorderOptions { Component = "edgelb-controller", Host = identity }, loggers.CreateLogger<EventRecorder>(), _time);
        _reconciler = new AllocationReconciler(_client, _services.Cache, _pools.Cache, _namespaces.Cache, _events, options, _metrics, logger, _time);
        _services.AddHandler(new InformerHandler<Service>(_reconciler.ServiceChanged, _reconciler.ServiceUpdated, _reconciler.ServiceChanged));
        _pools.AddHandler(new InformerHandler<IPAddressPool>(_ => _reconciler.PoolsChanged(), _reconciler.PoolUpdated, _ => _reconciler.PoolsChanged()));
        _nodes = new Informer<Node>(_client, Resources.Nodes, logger: loggers.CreateLogger("EdgeLB.Controller.Nodes"), time: _time);
        _endpointSlices = new Informer<EndpointSlice>(_client, Resources.EndpointSlices, logger: loggers.CreateLogger("EdgeLB.Controller.EndpointSlices"), time: _time);
        _advertisements = new Informer<L2Advertisement>(_client, Resources.L2Advertisements, new InformerOptions { Namespace = options.Namespace }, loggers.CreateLogger("EdgeLB.Controller.L2Advertisements"), _time);
        _coordination = new CoordinationHost(
            _client,
            options,
            identity,
            () => new CoordinationInputs(_nodes.Cache.List(), _services.Cache.List(), _advertisements.Cache.List(), _pools.Cache.List(), _endpointSlices.Cache.List()),
            _services.Cache,
            _events,
            () => IsReady,
            loggers,
            _time);
        _services.AddHandler(new InformerHandler<Service>(
            s => CoordinationChangedIf(CoordinationRelevance.ServiceChanged(null, s, options)),
            (old, s) => CoordinationChangedIf(CoordinationRelevance.ServiceChanged(old, s, options)),
            s => CoordinationChangedIf(CoordinationRelevance.ServiceChanged(s, null, options))));
        _services.AddHandler(new InformerHandler<Service>(onUpdate: _coordination.ServiceUpdated));
        _pools.AddHandler(new InformerHandler<IPAddressPool>(
            _ => _coordination.Coordinator.InputsChanged(),
            (old, p) => CoordinationChangedIf(CoordinationRelevance.PoolChanged(old, p)),
            _ => _coordination.Coordinator.InputsChanged()));
        _nodes.AddHandler(CoordinationChanges<Node>());
        _endpointSlices.AddHandler(CoordinationChanges<EndpointSlice>());
        _advertisements.AddHandler(CoordinationChanges<L2Advertisement>());
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
        _metrics.ObserveRelists(() => [Relists(_services), Relists(_pools), Relists(_namespaces), Relists(_nodes), Relists(_endpointSlices), Relists(_advertisements)]);
        Identity = identity;
    }

    public string Identity { get; }

    /// <summary>The coordinator's gRPC address as speakers dial it, once started.</summary>
    public string CoordinatorAddress => _coordination.Advertised;

    internal Coordinator Coordinator => _coordination.Coordinator;

    public bool IsLeader => _elector.IsLeader;

    /// <summary>Leading, done re-learning and serving speakers: the state /readyz reports.</summary>
    public bool IsReady => _elector.IsLeader && _reconciler.IsActive && _coordination.Coordinator.IsLeading;

    /// <summary>The address the HTTP endpoint listens on, once started.</summary>
    public Uri? HttpAddress { get; private set; }

    /// <summary>The /readyz body when not ready: when the Lease cannot be written, the API server's answer.</summary>
    private string NotReadyReason() =>
        _elector.IsLeader ? "leading, re-learning addresses"
        : _elector.LastError is { } error ? $"not leading: the Lease {_options.Namespace}/{_options.LeaseName} cannot be read or written: {error}"
        : _elector.ObservedLeader is { Length: > 0 } leader ? $"not leading (leader: {leader})"
        : "not leading (no leader yet)";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = _loggers.CreateLogger("EdgeLB.Controller");
        _http = await ProbeEndpoint.StartAsync(
            _options.HttpListen,
            _loggers,
            () => IsReady
                ? (true, $"leading as {Identity}")
                : (false, NotReadyReason()),
            _exporter.Render,
            cancellationToken);
        HttpAddress = _http.Address;

        await _coordination.StartAsync(cancellationToken);

        var informers = new[]
        {
            _services.RunAsync(cancellationToken), _pools.RunAsync(cancellationToken), _nodes.RunAsync(cancellationToken),
            _endpointSlices.RunAsync(cancellationToken), _advertisements.RunAsync(cancellationToken), _namespaces.RunAsync(cancellationToken),
        };
        await Task.WhenAll(
            _services.WaitForSyncAsync(cancellationToken), _pools.WaitForSyncAsync(cancellationToken), _nodes.WaitForSyncAsync(cancellationToken),
            _endpointSlices.WaitForSyncAsync(cancellationToken), _advertisements.WaitForSyncAsync(cancellationToken), _namespaces.WaitForSyncAsync(cancellationToken));

        Task leading = Task.CompletedTask;
        _elector.OnStartedLeading = token => leading = Task.WhenAll(_reconciler.RunAsync(token), _coordination.LeadAsync(token));
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

    /// <summary>Any change to an object the coordinator reads makes it plan again.</summary>
    private InformerHandler<T> CoordinationChanges<T>() =>
        new(_ => _coordination.Coordinator.InputsChanged(), (_, _) => _coordination.Coordinator.InputsChanged(), _ => _coordination.Coordinator.InputsChanged());

    private void CoordinationChangedIf(bool changed)
    {
        if (changed)
        {
            _coordination.Coordinator.InputsChanged();
        }
    }

    private static Measurement<long> Relists<T>(Informer<T> informer)
        where T : class, IKubernetesObject =>
        new(informer.RelistCount, new KeyValuePair<string, object?>("resource", informer.ResourceName));


    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }

        await _coordination.DisposeAsync();

        _exporter.Dispose();
        _metrics.Dispose();
        _events.Dispose();
        _client.Dispose();
    }
}
