using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A long-running process inside a lab namespace (<c>ip netns exec</c> execs the command, so
/// <see cref="Pid"/> is the command itself). Its output goes straight to a log file, so it keeps
/// running whatever happens to the pipes of the process that started it. Signals go to this PID only.
/// It dies with the process that started it, however that one ends (a parent-death SIGKILL set
/// through setpriv, see <see cref="LabSpawner"/>), and it carries <see cref="LabLeftovers.MarkerVariable"/>
/// so that a later run can find it should it survive anyway.
/// </summary>
public sealed class LabProcess : IAsyncDisposable
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly Process _process;
    private int _disposed;

    private LabProcess(Process process, string name, string logPath)
    {
        _process = process;
        Name = name;
        LogPath = logPath;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    /// <summary>True once it has exited, or was stopped through <see cref="DisposeAsync"/>.</summary>
    public bool HasExited => Volatile.Read(ref _disposed) != 0 || _process.HasExited;

    public int? ExitCode => Volatile.Read(ref _disposed) == 0 && _process.HasExited ? _process.ExitCode : null;

    /// <summary>Starts <paramref name="command"/> in namespace <paramref name="ns"/>, appending its output to <paramref name="logPath"/>.</summary>
    public static LabProcess Start(string name, string ns, string logPath, IReadOnlyDictionary<string, string>? environment, params string[] command)
    {
        if (command.Length == 0)
        {
            throw new ArgumentException("no command", nameof(command));
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var arg in ShellArguments(ns, logPath, command))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            psi.Environment[key] = value;
        }

        psi.Environment[LabLeftovers.MarkerVariable] = LabLeftovers.CurrentOwner;
        var process = LabSpawner.Start(psi);
        return new LabProcess(process, name, logPath);
    }

    /// <summary>
    /// The arguments of <c>/bin/sh</c> that run <paramref name="command"/> in <paramref name="ns"/>: sh
    /// execs setpriv, which sets the parent-death signal and execs ip, which execs the command (the
    /// signal survives both execs): one PID from start to end, output appended to the log.
    /// </summary>
    public static IReadOnlyList<string> ShellArguments(string ns, string logPath, params string[] command)
    {
        string[] deathSignal = SetsParentDeathSignal ? ["setpriv", "--pdeathsig", "KILL", "--"] : [];
        return ["-c", "log=$1; shift; exec \"$@\" >>\"$log\" 2>&1 </dev/null", "sh", logPath, .. deathSignal, "ip", "netns", "exec", ns, .. command];
    }

    /// <summary>Sends <paramref name="signal"/> to this process (not its group); false when it has already exited.</summary>
    public bool Signal(int signal)
    {
        if (HasExited)
        {
            return false;
        }

        return Kill(_process.Id, signal) == 0;
    }

    /// <summary>
    /// Sends <paramref name="signal"/> to this process's children first (daemons such as keepalived
    /// run their work in a child), then to the process itself: a whole daemon killed at once.
    /// </summary>
    public void SignalTree(int signal)
    {
        if (HasExited)
        {
            return;
        }

        var children = File.Exists($"/proc/{Pid}/task/{Pid}/children")
            ? File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList()
            : [];
        foreach (var child in children)
        {
            _ = Kill(child, signal);
        }

        Signal(signal);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; true when it has.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>The last lines of the log, for error messages.</summary>
    public string Tail(int lines = 30)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited after a few seconds. Stopping twice is harmless.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        if (Signal(SigTerm) && !await WaitForExitAsync(TimeSpan.FromSeconds(5)))
        {
            Signal(SigKill);
            await WaitForExitAsync(TimeSpan.FromSeconds(5));
        }

        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _process.Dispose();
        }
    }

    /// <summary>setpriv (util-linux) sets the parent-death signal; without it, children rely on the next run's sweep.</summary>
    public static bool SetsParentDeathSignal => File.Exists("/usr/bin/setpriv") || File.Exists("/bin/setpriv");

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    internal static extern int Kill(int pid, int signal);
}
