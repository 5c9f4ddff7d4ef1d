using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>
/// A peer gRPC server (grpcio or grpc-js) in a child process on 127.0.0.1. It prints "LISTENING
/// port" once bound; it exits when its stdin closes, and is killed by PID if it does not.
/// </summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr;

    private PeerProcess(Process process, StringBuilder stderr, int port)
    {
        _process = process;
        _stderr = stderr;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static async Task<PeerProcess> StartAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = Peers.CreateStartInfo(file, args, environment);
        psi.RedirectStandardInput = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token)
                    ?? throw new InvalidOperationException($"{file} exited before listening: {stderr}");
                if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
                {
                    var port = int.Parse(line.AsSpan("LISTENING ".Length), CultureInfo.InvariantCulture);
                    return new PeerProcess(process, stderr, port);
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }
}
