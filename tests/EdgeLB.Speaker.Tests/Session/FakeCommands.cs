using System.Collections.Concurrent;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>Records the commands a speaker runs (nft scripts) and answers success; optionally slow.</summary>
internal sealed class FakeCommands : ICommandRunner
{
    public ConcurrentQueue<string> Scripts { get; } = new();

    /// <summary>While set, every command waits for it: nft on a busy node.</summary>
    public TaskCompletionSource? Slow { get; set; }

    /// <summary>Completed when a command starts waiting on <see cref="Slow"/>.</summary>
    public TaskCompletionSource Waiting { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken)
    {
        if (Slow is { } slow)
        {
            Waiting.TrySetResult();
            await slow.Task.WaitAsync(cancellationToken);
        }

        Scripts.Enqueue(stdin ?? string.Empty);
        return new CommandResult(0, string.Empty, string.Empty);
    }
}
