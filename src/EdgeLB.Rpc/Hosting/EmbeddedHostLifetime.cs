using Microsoft.Extensions.Hosting;

namespace EdgeLB.Rpc.Hosting;

/// <summary>
/// For web hosts embedded in a process (or a test) whose command line owns Ctrl-C and SIGTERM: the
/// default console lifetime would take those signals for itself, for every instance, and keep the
/// process from stopping the way its owner decides.
/// </summary>
public sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
