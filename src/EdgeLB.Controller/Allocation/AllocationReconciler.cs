using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using EdgeLB.Controller.Observability;
using EdgeLB.Controller.Queue;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Allocation;

/// <summary>
/// Turns LoadBalancer Services into addresses: while this replica leads it re-learns every address
/// already written in Service status, then assigns, writes <c>status.loadBalancer.ingress</c>,
/// the pool annotation and Events, and keeps refused Services retrying until an address frees up.
/// </summary>
/// <remarks>
/// Decisions are made one at a time under a lock (the allocator is not thread-safe and is cheap);
/// the API writes that follow run on several workers, so thousands of Services are written in
/// parallel while no address is ever decided twice.
/// </remarks>
internal sealed class AllocationReconciler
{
    /// <summary>A refusal is logged at most this often per Service and reason, like client-go's Event spam filter, which refills one token per object every five minutes.</summary>
    public static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(5);

    private readonly Lock _gate = new();
    private readonly KubeApiClient _client;
    private readonly InformerCache<Service> _services;
    private readonly InformerCache<IPAddressPool> _pools;
    private readonly InformerCache<KubeNamespace> _namespaces;
    private readonly EventRecorder _events;
    private readonly ControllerOptions _options;
    private readonly ControllerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly WorkQueue _queue;
    private readonly WaitingRoom _waiting = new();
    private readonly LogRateLimiter _refusalLog;
    private readonly Dictionary<string, string> _reportedPoolProblems = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string? Uid, long? Generation)> _appliedPoolGenerations = new(StringComparer.Ordinal);
    private readonly Channel<bool> _poolsChanged = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Allocator _allocator = new();
    private volatile bool _active;

    public AllocationReconciler(
        KubeApiClient client,
        InformerCache<Service> services,
        InformerCache<IPAddressPool> pools,
        InformerCache<KubeNamespace> namespaces,
        EventRecorder events,
        ControllerOptions options,
        ControllerMetrics metrics,
        ILogger logger,
        TimeProvider time)
    {
        _client = client;
        _services = services;
        _pools = pools;
        _namespaces = namespaces;
        _events = events;
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _queue = new WorkQueue(time);
        _refusalLog = new LogRateLimiter(RefusalLogInterval, time);
        metrics.ObservePools(() => PoolMeasurements(inUse: false), () => PoolMeasurements(inUse: true));
        metrics.ObserveQueue(() => _queue.Count);
    }

    /// <summary>True while leading, after every existing address was re-learned.</summary>
    public bool IsActive => _active;

    public void ServiceChanged(Service service) => _queue.Add(ObjectKey.Of(service));

    /// <summary>
    /// A Service was updated: reconciled again only when something the allocator reads changed, not
    /// for the coordinator's condition or annotation, which would otherwise run every Service twice more.
    /// </summary>
    public void ServiceUpdated(Service old, Service current)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(current);
        if (!ServiceTranslator.SameAllocationInputs(old, current))
        {
            ServiceChanged(current);
        }
    }

    public void PoolsChanged() => _poolsChanged.Writer.TryWrite(true);

    /// <summary>
    /// A pool was updated: only a change to its spec is applied. Our own status writes update the
    /// pool as well, and applying the pools again for each of them would wake every waiting Service
    /// and write the status again, round and round while addresses are being handed out.
    /// </summary>
    public void PoolUpdated(IPAddressPool old, IPAddressPool current)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(current);
        if (!PoolTranslator.SameSpec(old, current))
        {
            PoolsChanged();
        }
    }

    /// <summary>
    /// A namespace appeared or its labels changed: its Services still waiting for an address try
    /// again, since a pool's namespace selector may admit them now. Services holding an address keep it.
    /// </summary>
    public void NamespaceChanged(KubeNamespace? old, KubeNamespace current)
    {
        ArgumentNullException.ThrowIfNull(current);
        if (old is not null && ServiceTranslator.SameMap(old.Metadata.Labels, current.Metadata.Labels))
        {
            return;
        }

        var prefix = current.Metadata.Name + "/";
        lock (_gate)
        {
            foreach (var key in _waiting.Keys)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    _queue.Add(key);
                }
            }
        }
    }

    /// <summary>Allocates while <paramref name="leading"/> lasts. Each term starts from the API's state, never from memory.</summary>
    public async Task RunAsync(CancellationToken leading)
    {
        lock (_gate)
        {
            _allocator = new Allocator();
            _waiting.Clear();
            _reportedPoolProblems.Clear();
        }

        var invalidPools = ApplyPools();
        Relearn();
        foreach (var key in _services.Keys())
        {
            _queue.Add(key);
        }

        _active = true;
        ControllerLog.Leading(_logger);
        try
        {
            var workers = Enumerable.Range(0, _options.Workers).Select(_ => WorkAsync(leading)).ToList();
            workers.Add(PoolsAsync(invalidPools, leading));
            await Task.WhenAll(workers);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        finally
        {
            _active = false;
            ControllerLog.NotLeading(_logger);
        }
    }

    private async Task WorkAsync(CancellationToken leading)
    {
        while (!leading.IsCancellationRequested)
        {
            var key = await _queue.TakeAsync(leading);
            var started = Stopwatch.GetTimestamp();
            try
            {
                await ReconcileAsync(key, leading);
            }
            catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
            {
                var delay = _queue.AddRateLimited(key);
                ControllerLog.WriteFailed(_logger, ex, key, (long)delay.TotalMilliseconds);
            }
            finally
            {
                _queue.Done(key);
                _metrics.Reconciled(Stopwatch.GetElapsedTime(started));
            }
        }
    }

    private async Task ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var service = _services.Get(key);
        if (service is null || !ServiceTranslator.IsManaged(service, _options))
        {
            await ForgetAsync(key, service, cancellationToken);
            return;
        }

        AllocationResult result;
        var logRefusal = false;
        var suppressed = 0;
        lock (_gate)
        {
            var tokens = _waiting.Begin(key);
            result = _allocator.Assign(Request(service));
            if (result.Refusal is { } refused)
            {
                _waiting.Wait(key, refused.WaitsFor);
                logRefusal = _refusalLog.ShouldLog(key, refused.Reason, out suppressed);
            }
            else
            {
                _waiting.Leave(key);
                _refusalLog.Forget(key);
            }

            WakeFor(tokens);
        }

        await WriteStatusAsync(service, result.Addresses, result.Pool, result.OutsidePools, cancellationToken);
        if (result.Changed && result.Addresses.Count > 0)
        {
            var addresses = string.Join(", ", result.Addresses);
            ControllerLog.Assigned(_logger, key, addresses, result.Pool);
            _metrics.Allocated(result.Addresses.Count);
            await _events.RecordAsync(service, "Normal", "IPAllocated", $"Assigned IP [{addresses}] from pool {result.Pool ?? "(none)"}", cancellationToken);
        }

        foreach (var warning in result.Warnings)
        {
            await _events.RecordAsync(service, "Warning", warning.Reason, warning.Message, cancellationToken);
        }

        if (result.Refusal is { } refusal)
        {
            if (logRefusal && suppressed > 0)
            {
                ControllerLog.RefusedAgain(_logger, key, refusal.Reason, refusal.Message, suppressed);
            }
            else if (logRefusal)
            {
                ControllerLog.Refused(_logger, key, refusal.Reason, refusal.Message);
            }

            _metrics.Refused(refusal.Reason);
            await _events.RecordAsync(service, "Warning", refusal.Reason, refusal.Message, cancellationToken);
        }

        // A refused Service is not retried on a timer: the waiting room wakes it when a change can help it.
        _queue.Forget(key);
    }

    /// <summary>A Service that is gone or no longer ours gives its addresses back, and loses the status EdgeLB wrote.</summary>
    private async Task ForgetAsync(string key, Service? service, CancellationToken cancellationToken)
    {
        IReadOnlyList<IPValue> released;
        lock (_gate)
        {
            var tokens = _waiting.Begin(key);
            _waiting.Leave(key);
            _refusalLog.Forget(key);
            var serviceKey = KeyOf(key);
            released = _allocator.AddressesOf(serviceKey);
            _allocator.Release(serviceKey);
            WakeFor(tokens);
        }

        if (released.Count > 0)
        {
            ControllerLog.Released(_logger, key, string.Join(", ", released));
        }

        var wroteIt = service?.Metadata.Annotations?.ContainsKey(ServiceAnnotations.AllocatedFromPool) == true;
        if (service is not null && (released.Count > 0 || wroteIt))
        {
            await WriteStatusAsync(service, [], null, [], cancellationToken);
            if (released.Count > 0)
            {
                await _events.RecordAsync(service, "Normal", "IPReleased", $"Released IP [{string.Join(", ", released)}]: the Service is no longer an EdgeLB LoadBalancer", cancellationToken);
            }
        }

        _queue.Forget(key);
    }

    /// <summary>Makes status and the pool annotations show the addresses, writing only what differs.</summary>
    private async Task WriteStatusAsync(Service service, IReadOnlyList<IPValue> addresses, string? pool, IReadOnlyList<IPValue> outsidePools, CancellationToken cancellationToken)
    {
        var ns = service.Metadata.Namespace;
        var name = service.Metadata.Name!;
        try
        {
            if (!ServiceTranslator.StatusShows(service, addresses, _options.IpMode))
            {
                JsonNode? ingress = addresses.Count == 0
                    ? null
                    : new JsonArray([.. addresses.Select(a => (JsonNode)new JsonObject { ["ip"] = a.ToString(), ["ipMode"] = _options.IpMode })]);
                var patch = new JsonObject { ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = ingress } } };
                await _client.PatchWithoutResultAsync(Resources.Services, ns, name, PatchType.Merge, patch, subresource: "status", cancellationToken: cancellationToken);
            }

            var current = service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AllocatedFromPool);
            var desired = addresses.Count == 0 ? null : pool ?? current;
            var currentOutside = service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.NotInAnyPool);
            var desiredOutside = outsidePools.Count > 0 ? string.Join(",", outsidePools) : null;
            if (current != desired || currentOutside != desiredOutside)
            {
                var annotations = new JsonObject { [ServiceAnnotations.AllocatedFromPool] = desired, [ServiceAnnotations.NotInAnyPool] = desiredOutside };
                var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } };
                await _client.PatchWithoutResultAsync(Resources.Services, ns, name, PatchType.Merge, patch, cancellationToken: cancellationToken);
            }
        }
        catch (KubernetesNotFoundException)
        {
            // Deleted meanwhile; the informer will tell us and the addresses go back then.
        }
    }

    /// <summary>Takes back every address already in a Service's status, oldest Service first, before anything new is handed out.</summary>
    private void Relearn()
    {
        var services = _services.List()
            .Where(s => ServiceTranslator.IsManaged(s, _options))
            .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
            .ThenBy(ObjectKey.Of, StringComparer.Ordinal);
        int count = 0, addresses = 0;
        lock (_gate)
        {
            foreach (var service in services)
            {
                var held = ServiceTranslator.IngressAddresses(service);
                if (held.Count == 0)
                {
                    continue;
                }

                var result = _allocator.Relearn(Request(service), held);
                if (result.Succeeded)
                {
                    count++;
                    addresses += held.Count;
                }
                else
                {
                    ControllerLog.Refused(_logger, ObjectKey.Of(service), result.Refusal!.Reason, $"cannot keep {string.Join(", ", held)} after restart: {result.Refusal.Message}");
                }
            }
        }

        lock (_gate)
        {
            // Every Service is reconciled next anyway; what re-learning changed wakes nobody.
            _allocator.TakeChanges();
        }

        ControllerLog.Relearned(_logger, count, addresses);
    }

    /// <summary>Puts the current pool objects in force; returns the pools whose latest version was refused.</summary>
    private Dictionary<string, string> ApplyPools()
    {
        var objects = _pools.List().Where(p => p.Metadata.Namespace == _options.Namespace).ToList();
        var newlyInvalid = new Dictionary<string, string>(StringComparer.Ordinal);
        lock (_gate)
        {
            var config = PoolConfiguration.Reconcile(objects.Select(PoolTranslator.ToSpec), _allocator.Pools);
            _appliedPoolGenerations.Clear();
            foreach (var pool in objects)
            {
                _appliedPoolGenerations[pool.Metadata.Name ?? string.Empty] = (pool.Metadata.Uid, pool.Metadata.Generation);
            }

            var moved = _allocator.SetPools(config);
            ReportMovedAddresses(moved);
            var reported = config.Problems.ToDictionary(p => p.Key, p => string.Join("; ", p.Value), StringComparer.Ordinal);
            foreach (var (pool, text) in reported)
            {
                if (_reportedPoolProblems.GetValueOrDefault(pool) != text)
                {
                    newlyInvalid[pool] = text;
                    ControllerLog.PoolInvalid(_logger, pool, text);
                }
            }

            _reportedPoolProblems.Clear();
            foreach (var (pool, text) in reported)
            {
                _reportedPoolProblems[pool] = text;
            }

            // Any Service may fit the new pools; what the allocator did while applying them is covered by that.
            _allocator.TakeChanges();
            foreach (var key in _waiting.Keys)
            {
                _queue.Add(key);
            }
        }

        return newlyInvalid;
    }

    /// <summary>Applies pool edits as they come and keeps each pool's status current.</summary>
    private async Task PoolsAsync(Dictionary<string, string> invalid, CancellationToken leading)
    {
        var writer = new PoolStatusWriter(_client, _options, _logger);
        while (!leading.IsCancellationRequested)
        {
            foreach (var (name, problems) in invalid)
            {
                if (_pools.Get(_options.Namespace, name) is { } pool)
                {
                    await _events.RecordAsync(pool, "Warning", "InvalidConfiguration", problems, leading);
                }
            }

            IReadOnlyList<(IPAddressPool Pool, IPAddressPoolStatus Status)> statuses;
            lock (_gate)
            {
                // A version not applied yet gets its status after it is: a Valid=True naming a
                // generation that was never judged would mislead the next leader.
                statuses = [.. _pools.List()
                    .Where(p => p.Metadata.Namespace == _options.Namespace)
                    .Where(p => _appliedPoolGenerations.TryGetValue(p.Metadata.Name ?? string.Empty, out var applied) && applied == (p.Metadata.Uid, p.Metadata.Generation))
                    .Select(p => (p, PoolStatusWriter.Desired(p, _allocator)))];
            }

            await writer.WriteAsync(statuses, leading);

            // Status follows allocations within a second; a pool edit is applied at once.
            using var tick = CancellationTokenSource.CreateLinkedTokenSource(leading);
            tick.CancelAfter(TimeSpan.FromSeconds(1));
            try
            {
                await _poolsChanged.Reader.ReadAsync(tick.Token);
                invalid = ApplyPools();
            }
            catch (OperationCanceledException) when (!leading.IsCancellationRequested)
            {
                invalid = [];
            }
        }
    }

    /// <summary>
    /// Services whose address left every pool (or came back, or moved to another pool) are
    /// reconciled at once, so the Warning Event and the annotation follow the pool edit rather
    /// than the Service's next change.
    /// </summary>
    private void ReportMovedAddresses(IReadOnlySet<ServiceKey> moved)
    {
        var outside = 0;
        foreach (var key in moved)
        {
            _queue.Add(key.ToString());
            if (_allocator.AddressesOf(key).Any(a => _allocator.PoolOf(a) is null))
            {
                outside++;
            }
        }

        if (outside > 0)
        {
            ControllerLog.AddressesLeftPools(_logger, outside, string.Join(", ", _allocator.Orphans.Order().Take(10)));
        }
    }

    /// <summary>
    /// Wakes the waiting Services the allocator's latest changes can help, and hands on the tokens of
    /// a Service whose turn just ended when their address is still free. Called under the lock.
    /// </summary>
    private void WakeFor(IReadOnlyList<(PoolFamily Where, long Since)> tokens)
    {
        foreach (var key in _waiting.Wake(_allocator.TakeChanges()))
        {
            _queue.Add(key);
        }

        foreach (var key in _waiting.PassOn(tokens, _allocator.HasFree))
        {
            _queue.Add(key);
        }
    }

    private List<Measurement<long>> PoolMeasurements(bool inUse)
    {
        lock (_gate)
        {
            var result = new List<Measurement<long>>();
            foreach (var pool in _allocator.Pools.Pools)
            {
                foreach (var family in new[] { IPFamily.IPv4, IPFamily.IPv6 })
                {
                    if (!pool.HasFamily(family))
                    {
                        continue;
                    }

                    var usage = _allocator.Usage(pool.Name, family);
                    var value = inUse ? usage.Allocated : (long)UInt128.Min(usage.Size, long.MaxValue);
                    result.Add(new(value, new KeyValuePair<string, object?>("pool", pool.Name), new KeyValuePair<string, object?>("family", family.ToString())));
                }
            }

            return result;
        }
    }

    private ServiceRequest Request(Service service) =>
        ServiceTranslator.ToRequest(service, _namespaces.Get(null, service.Metadata.Namespace ?? "default")?.Metadata.Labels);

    private static ServiceKey KeyOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return new ServiceKey(key[..slash], key[(slash + 1)..]);
    }
}
