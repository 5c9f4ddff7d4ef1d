using Microsoft.Extensions.Hosting;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// The server is embedded in tests and tools that own Ctrl-C and SIGTERM; the default console
/// lifetime would hook those signals for every instance.
/// </summary>
internal sealed class NullHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
