using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// Starts lab processes from one dedicated thread that lives as long as this process. A child's
/// parent-death signal (PR_SET_PDEATHSIG, set through setpriv) fires when the *thread* that forked it
/// ends, not the process: forked from a pool thread, a lab child would be killed whenever the pool
/// retired that thread. Forked from this thread, it dies exactly when this process does.
/// </summary>
internal static class LabSpawner
{
    private static readonly BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> s_requests = [];
    private static readonly Lazy<Thread> s_thread = new(StartThread);

    public static Process Start(ProcessStartInfo startInfo)
    {
        _ = s_thread.Value;
        var started = new TaskCompletionSource<Process>();
        s_requests.Add((startInfo, started));
        return started.Task.GetAwaiter().GetResult();
    }

    private static Thread StartThread()
    {
        var thread = new Thread(Run) { IsBackground = true, Name = "lab process spawner" };
        thread.Start();
        return thread;
    }

    private static void Run()
    {
        foreach (var (startInfo, started) in s_requests.GetConsumingEnumerable())
        {
            try
            {
                started.SetResult(Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {startInfo.FileName}"));
            }
            catch (Exception ex)
            {
                started.SetException(ex);
            }
        }
    }
}
