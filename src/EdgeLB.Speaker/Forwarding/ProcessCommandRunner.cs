using System.Diagnostics;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Runs commands as child processes, optionally behind a fixed prefix (for example
/// <c>ip netns exec lab-fwd</c>) so the same code manages a namespace it does not live in.
/// </summary>
internal sealed class ProcessCommandRunner(IReadOnlyList<string>? prefix = null, TimeSpan? timeout = null) : ICommandRunner
{
    private readonly IReadOnlyList<string> _prefix = prefix ?? [];
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(10);

    public async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> args, string? stdin, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(_prefix.Count > 0 ? _prefix[0] : file)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var p in _prefix.Skip(1))
        {
            psi.ArgumentList.Add(p);
        }

        if (_prefix.Count > 0)
        {
            psi.ArgumentList.Add(file);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin.AsMemory(), cancellationToken);
            process.StandardInput.Close();
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(_timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException ex)
        {
            process.Kill(entireProcessTree: true);
            // The caller giving up (a session abandoned) is a cancellation, not a slow command.
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {_timeout}", ex);
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
