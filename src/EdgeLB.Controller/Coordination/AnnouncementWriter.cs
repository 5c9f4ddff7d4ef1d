using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using EdgeLB.Controller.Queue;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Events;
using EdgeLB.Kubernetes.Informers;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Serialization;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Makes each Service show where it is announced: the annotation <c>edgelb.io/announcing-node</c>
/// ("node,interface,epoch"), the status condition <see cref="ConditionType"/>, and an
/// <c>AnnouncingFrom</c> Event whenever the node changes. Writes run on a few workers, latest
/// state wins, so the coordinator never waits for the API.
/// </summary>
internal sealed class AnnouncementWriter(
    KubeApiClient client,
    Func<string, Service?> services,
    EventRecorder events,
    TimeProvider time,
    ILogger logger) : IAnnouncementSink
{
    public const string ConditionType = "edgelb.io/Announced";
    private const int Workers = 4;

    private readonly ConcurrentDictionary<string, (AnnouncingAnnotation? Announcing, string Summary)> _desired = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string?> _lastEventNode = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Service, string Reason, string Message)> _warnings = new();
    private readonly WorkQueue _queue = new(time);

    public void Announced(VipGroup group, AnnouncingAnnotation? announcing, string summary)
    {
        ArgumentNullException.ThrowIfNull(group);
        foreach (var service in group.Services)
        {
            _desired[service] = (announcing, summary);
            _queue.Add(service);
        }
    }

    public void Warn(VipGroup group, string reason, string message)
    {
        ArgumentNullException.ThrowIfNull(group);
        foreach (var service in group.Services)
        {
            _warnings.Enqueue((service, reason, message));
            _queue.Add(service);
        }
    }

    /// <summary>Writes while <paramref name="leading"/> lasts.</summary>
    public async Task RunAsync(CancellationToken leading)
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => WorkAsync(leading)));
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
    }

    private async Task WorkAsync(CancellationToken leading)
    {
        while (!leading.IsCancellationRequested)
        {
            var key = await _queue.TakeAsync(leading);
            try
            {
                await WriteAsync(key, leading);
                _queue.Forget(key);
            }
            catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
            {
                CoordinationLog.AnnouncementWriteFailed(logger, ex, key);
                _queue.AddRateLimited(key);
            }
            finally
            {
                _queue.Done(key);
            }
        }
    }

    private async Task WriteAsync(string key, CancellationToken cancellationToken)
    {
        var service = services(key);
        if (service is null)
        {
            _desired.TryRemove(key, out _);
            _lastEventNode.TryRemove(key, out _);
            return;
        }

        var pending = _warnings.Count;
        for (var i = 0; i < pending && _warnings.TryDequeue(out var warning); i++)
        {
            if (warning.Service == key)
            {
                await events.RecordAsync(service, EventRecorder.Warning, warning.Reason, warning.Message, cancellationToken);
            }
            else
            {
                _warnings.Enqueue(warning);
            }
        }

        if (!_desired.TryGetValue(key, out var desired))
        {
            return;
        }

        var ns = service.Metadata.Namespace;
        var name = service.Metadata.Name!;
        var value = desired.Announcing?.ToString();
        try
        {
            if (service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AnnouncingNode) != value)
            {
                var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ServiceAnnotations.AnnouncingNode] = value } } };
                await client.PatchWithoutResultAsync(Resources.Services, ns, name, PatchType.Merge, patch, cancellationToken: cancellationToken);
            }

            await WriteConditionAsync(service, Wanted(desired), cancellationToken);
        }
        catch (KubernetesNotFoundException)
        {
            return;
        }

        var node = desired.Announcing?.Node;
        if (node is not null && _lastEventNode.GetValueOrDefault(key) != node)
        {
            _lastEventNode[key] = node;
            await events.RecordAsync(service, EventRecorder.Normal, "AnnouncingFrom", $"announcing from node {node} (interface {desired.Announcing!.Value.Interface}, epoch {desired.Announcing.Value.Epoch})", cancellationToken);
        }
    }

    /// <summary>
    /// A Service changed. When what it shows of its announcement changed to something not wanted
    /// (a write was skipped on a stale cached copy, or somebody edited it), it is written again.
    /// </summary>
    public void ServiceUpdated(Service old, Service current)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(current);
        if (SameAnnouncement(old, current) || !_desired.TryGetValue(ObjectKey.Of(current), out var desired) || Shows(current, desired))
        {
            return;
        }

        _queue.Add(ObjectKey.Of(current));
    }

    private static Condition Wanted((AnnouncingAnnotation? Announcing, string Summary) desired) =>
        desired.Announcing is { } a
            ? new Condition { Type = ConditionType, Status = "True", Reason = "AnnouncingFrom", Message = $"node {a.Node}, interface {a.Interface}, epoch {a.Epoch}" }
            : new Condition { Type = ConditionType, Status = "False", Reason = "NoEligibleNode", Message = desired.Summary };

    private static bool Shows(Service service, (AnnouncingAnnotation? Announcing, string Summary) desired) =>
        AnnouncingOf(service) == desired.Announcing?.ToString() && Same(ConditionOf(service), Wanted(desired));

    private static bool SameAnnouncement(Service a, Service b) =>
        AnnouncingOf(a) == AnnouncingOf(b) && Same(ConditionOf(a), ConditionOf(b));

    private static string? AnnouncingOf(Service service) => service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.AnnouncingNode);

    private static Condition? ConditionOf(Service service) => service.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionType);

    /// <summary>Whether two conditions say the same; times and generations aside.</summary>
    private static bool Same(Condition? a, Condition? b) =>
        a is null ? b is null : b is not null && a.Status == b.Status && a.Reason == b.Reason && a.Message == b.Message;

    /// <summary>
    /// Sets our condition, starting from the cached copy: usually it already shows the condition
    /// (nothing is written) or is current (one patch, guarded by its resourceVersion). Only when
    /// the cache was behind, the 409 costs a fresh read.
    /// </summary>
    private async Task WriteConditionAsync(Service cached, Condition wanted, CancellationToken cancellationToken)
    {
        var ns = cached.Metadata.Namespace;
        var name = cached.Metadata.Name!;
        if (ConditionPatch(cached, wanted) is not { } patch)
        {
            return;
        }

        try
        {
            await client.PatchWithoutResultAsync(Resources.Services, ns, name, PatchType.Merge, patch, subresource: "status", cancellationToken: cancellationToken);
            return;
        }
        catch (KubernetesConflictException)
        {
        }

        await ConflictRetry.RunAsync(
            async ct =>
            {
                var current = await client.GetAsync(Resources.Services, ns, name, ct);
                if (ConditionPatch(current, wanted) is { } fresh)
                {
                    await client.PatchWithoutResultAsync(Resources.Services, ns, name, PatchType.Merge, fresh, subresource: "status", cancellationToken: ct);
                }

                return true;
            },
            maxAttempts: 5,
            time,
            logger,
            cancellationToken);
    }

    /// <summary>
    /// The patch that sets our condition and keeps everybody else's, valid only against this
    /// resourceVersion of <paramref name="current"/> (the list is replaced whole); null when it already shows.
    /// </summary>
    private JsonObject? ConditionPatch(Service current, Condition wanted)
    {
        var conditions = current.Status?.Conditions ?? [];
        var existing = conditions.FirstOrDefault(c => c.Type == ConditionType);
        if (Same(existing, wanted))
        {
            return null;
        }

        var transition = existing is not null && existing.Status == wanted.Status ? existing.LastTransitionTime : time.GetUtcNow();
        var updated = conditions.Where(c => c.Type != ConditionType).Append(wanted with
        {
            LastTransitionTime = transition,
            ObservedGeneration = current.Metadata.Generation,
        });
        var list = new JsonArray();
        foreach (var c in updated)
        {
            list.Add(System.Text.Json.JsonSerializer.SerializeToNode(c, KubernetesJsonContext.Default.Condition));
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = current.Metadata.ResourceVersion },
            ["status"] = new JsonObject { ["conditions"] = list },
        };
    }
}
