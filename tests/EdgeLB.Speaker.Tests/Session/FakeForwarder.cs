using System.Collections.Concurrent;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>Records the forwarding the session configures.</summary>
internal sealed class FakeForwarder(EventLog log) : IForwarder
{
    public ConcurrentDictionary<VipPort, (IReadOnlyList<Backend> Backends, ServiceForwardingOptions Options)> Ports { get; } = new();

    public IReadOnlyList<BackendHealthReport> Health { get; set; } = [];

    public IReadOnlyCollection<VipPort> Forwarded => [.. Ports.Keys];

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>While set, setting up forwarding waits for it: a slow forwarder on a busy node.</summary>
    public TaskCompletionSource? Slow { get; set; }

    /// <summary>Completed when a set-up starts waiting on <see cref="Slow"/>.</summary>
    public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task SetBackendsAsync(VipPort vip, IReadOnlyList<Backend> backends, ServiceForwardingOptions options, CancellationToken cancellationToken)
    {
        if (Slow is { } slow)
        {
            Waiting.TrySetResult();
            await slow.Task.WaitAsync(cancellationToken);
        }

        Ports[vip] = (backends, options);
        log.Add($"forward {vip}");
    }

    public Task ClearAsync(VipPort vip, CancellationToken cancellationToken)
    {
        if (Ports.TryRemove(vip, out _))
        {
            log.Add($"unforward {vip}");
        }

        return Task.CompletedTask;
    }

    public IReadOnlyList<BackendHealthReport> HealthSnapshot() => Health;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
