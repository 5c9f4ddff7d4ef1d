using System.Threading.Channels;
using EdgeLB.Rpc.Health.V1;
using EdgeLB.Rpc.Server;
using ServingStatus = EdgeLB.Rpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace EdgeLB.Rpc.Health;

/// <summary>
/// grpc.health.v1.Health: a settable serving status per service name ("" is the whole server).
/// Check answers NOT_FOUND for names never set; Watch reports SERVICE_UNKNOWN for them and follows
/// every later change.
/// </summary>
public sealed class HealthService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);

    /// <summary>Sets the status of <paramref name="service"/> and tells its watchers.</summary>
    public void SetStatus(string service, ServingStatus status)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets <paramref name="service"/>; watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        ArgumentNullException.ThrowIfNull(service);
        lock (_lock)
        {
            if (_statuses.Remove(service))
            {
                Notify(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    /// <summary>The method table to serve, e.g. with <c>AddService(sp => sp.GetRequiredService&lt;HealthService&gt;().CreateDefinition())</c>.</summary>
    public RpcServiceDefinition CreateDefinition() =>
        RpcServiceDefinition.CreateBuilder()
            .AddUnary(HealthMethods.Check, CheckAsync)
            .AddServerStreaming(HealthMethods.Watch, WatchAsync)
            .Build();

    internal int WatcherCount
    {
        get
        {
            lock (_lock)
            {
                return _watchers.Values.Sum(l => l.Count);
            }
        }
    }

    private Task<HealthCheckResponse> CheckAsync(HealthCheckRequest request, ServerCallContext context)
    {
        lock (_lock)
        {
            return _statuses.TryGetValue(request.Service, out var status)
                ? Task.FromResult(new HealthCheckResponse { Status = status })
                : throw new RpcException(StatusCode.NotFound, $"Unknown service '{request.Service}'.");
        }
    }

    private async Task WatchAsync(HealthCheckRequest request, IRpcStreamWriter<HealthCheckResponse> responses, ServerCallContext context)
    {
        // Only the latest state matters to a watcher; a slow one skips intermediate states.
        var updates = Channel.CreateBounded<ServingStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_lock)
        {
            updates.Writer.TryWrite(_statuses.TryGetValue(request.Service, out var status) ? status : ServingStatus.ServiceUnknown);
            if (!_watchers.TryGetValue(request.Service, out var list))
            {
                _watchers[request.Service] = list = [];
            }

            list.Add(updates);
        }

        try
        {
            ServingStatus? last = null;
            await foreach (var status in updates.Reader.ReadAllAsync(context.CancellationToken))
            {
                if (status != last)
                {
                    await responses.WriteAsync(new HealthCheckResponse { Status = status }, context.CancellationToken);
                    last = status;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                var list = _watchers[request.Service];
                list.Remove(updates);
                if (list.Count == 0)
                {
                    _watchers.Remove(request.Service);
                }
            }
        }
    }

    private void Notify(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var list))
        {
            foreach (var watcher in list)
            {
                watcher.Writer.TryWrite(status);
            }
        }
    }
}
