using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace EdgeLB.Testing.Lab;

/// <summary>
/// A dedicated OS thread that entered a lab namespace with setns(2). A socket belongs to the
/// network namespace of the thread that created it and keeps it for life, whichever thread later
/// binds, connects or reads it; so in-process servers, clients and forwarders are placed in their
/// namespaces by creating their sockets here and using them from anywhere.
/// </summary>
public sealed partial class NamespaceThread : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    public NamespaceThread(string ns)
    {
        ArgumentException.ThrowIfNullOrEmpty(ns);
        Namespace = ns;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(ns, ready)) { IsBackground = true, Name = $"netns:{ns}" };
        _thread.Start();
        ready.Task.GetAwaiter().GetResult();
    }

    public string Namespace { get; }

    /// <summary>Runs <paramref name="func"/> on the namespace thread and returns its result.</summary>
    public T Invoke<T>(Func<T> func)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(func());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _work.Dispose();
    }

    private void Run(string ns, TaskCompletionSource ready)
    {
        try
        {
            using (var handle = File.OpenHandle($"/var/run/netns/{ns}"))
            {
                if (SetNs((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                }
            }

            ready.SetResult();
        }
        catch (Exception ex)
        {
            ready.SetException(ex);
            return;
        }

        foreach (var item in _work.GetConsumingEnumerable())
        {
            item();
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int nstype);
}
