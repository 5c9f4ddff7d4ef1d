using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A dedicated thread that has entered a lab namespace with setns(2) and runs work there. Sockets
/// (AF_PACKET, netlink, UDP) created through <see cref="Invoke{T}"/> belong to that namespace for
/// their whole life, so in-process components can be tested "on" a lab host while the rest of the
/// test stays in the root namespace. Reads of /proc/sys/net made here see the namespace's values.
/// </summary>
/// <remarks>
/// setns with CLONE_NEWNET affects only the calling thread, which is why this is a private thread
/// and not a pool thread: no other code ever runs on it.
/// </remarks>
public sealed class NamespaceThread : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public NamespaceThread(string networkNamespace)
    {
        ArgumentException.ThrowIfNullOrEmpty(networkNamespace);
        Namespace = networkNamespace;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Run(entered)) { IsBackground = true, Name = $"netns-{networkNamespace}" };
        _thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    public string Namespace { get; }

    /// <summary>Runs <paramref name="work"/> inside the namespace and returns its result (or rethrows).</summary>
    public T Invoke<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() =>
        {
            try
            {
                done.SetResult(work());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        });
        return done.Task.GetAwaiter().GetResult();
    }

    public void Invoke(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Invoke(() =>
        {
            work();
            return true;
        });
    }

    /// <summary>A socket that belongs to this namespace; use it from any thread afterwards.</summary>
    public Socket CreateSocket(AddressFamily family, SocketType type, ProtocolType protocol) =>
        Invoke(() => new Socket(family, type, protocol));

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
        _work.Dispose();
    }

    private void Run(TaskCompletionSource entered)
    {
        try
        {
            using var handle = File.OpenHandle($"/var/run/netns/{Namespace}");
            if (SetNs(handle.DangerousGetHandle().ToInt32(), CloneNewNet) != 0)
            {
                throw new InvalidOperationException($"setns into {Namespace} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        catch (Exception ex)
        {
            entered.SetException(ex);
            return;
        }

        entered.SetResult();
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "setns")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetNs(int fd, int nstype);
}
