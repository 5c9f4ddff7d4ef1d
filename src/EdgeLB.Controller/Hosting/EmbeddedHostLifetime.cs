using Microsoft.Extensions.Hosting;

namespace EdgeLB.Controller.Hosting;

/// <summary>
/// The HTTP endpoint is part of a process whose command line owns Ctrl-C and SIGTERM; the default
/// console lifetime would take those signals for itself and keep the process from stopping.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
