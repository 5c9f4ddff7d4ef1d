using System.Net;
using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Tests.Forwarding;

internal sealed class FakeHealthHandle(IPEndPoint endpoint) : IBackendHealthHandle
{
    public HealthTarget Target { get; } = new(endpoint, HealthCheckKind.TcpConnect);

    public bool IsAvailable { get; set; } = true;

    public ValueTask<T> ExecuteAsync<T, TState>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, CancellationToken cancellationToken) =>
        action(state, cancellationToken);

    public void Dispose()
    {
    }
}
