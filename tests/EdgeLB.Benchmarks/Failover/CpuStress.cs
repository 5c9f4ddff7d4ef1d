using System.Diagnostics;

namespace EdgeLB.Benchmarks.Failover;

/// <summary>
/// Saturates every core for a bounded time: stress-ng when installed (its own --timeout bounds it),
/// else busy threads in this process that stop at the deadline. Stopped by PID, never by name.
/// </summary>
internal sealed class CpuStress : IDisposable
{
    private readonly Process? _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _threads = [];

    public CpuStress(TimeSpan duration)
    {
        var seconds = ((int)Math.Ceiling(duration.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (File.Exists("/usr/bin/stress-ng"))
        {
            var psi = new ProcessStartInfo("/usr/bin/stress-ng") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["--cpu", Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), "--timeout", $"{seconds}s", "--quiet"])
            {
                psi.ArgumentList.Add(a);
            }

            _process = Process.Start(psi);
            Tool = "stress-ng";
            return;
        }

        Tool = "busy threads";
        var deadline = DateTime.UtcNow + duration;
        for (var i = 0; i < Environment.ProcessorCount; i++)
        {
            var t = new Thread(() =>
            {
                var x = 0UL;
                while (!_stop.IsCancellationRequested && DateTime.UtcNow < deadline)
                {
                    x = unchecked((x * 6364136223846793005UL) + 1442695040888963407UL);
                }

                GC.KeepAlive(x);
            }) { IsBackground = true, Priority = ThreadPriority.Normal };
            t.Start();
            _threads.Add(t);
        }
    }

    public string Tool { get; }

    public void Dispose()
    {
        _stop.Cancel();
        if (_process is { HasExited: false })
        {
            // stress-ng's workers are its children; SIGTERM to the parent makes it stop them.
            _ = Kill(_process.Id, 15);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        foreach (var t in _threads)
        {
            t.Join(TimeSpan.FromSeconds(5));
        }

        _stop.Dispose();
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
