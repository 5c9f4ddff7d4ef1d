using System.Diagnostics;

namespace EdgeLB.Sandbox.Lab;

/// <summary>Runs a command to completion and returns what it printed; throws with both streams on failure.</summary>
public static class ProcessRunner
{
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, bool check = true, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException ex)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish in time", ex);
        }

        var output = await stdout;
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', psi.ArgumentList)} exited {process.ExitCode}: {await stderr}{output}");
        }

        return output;
    }
}
