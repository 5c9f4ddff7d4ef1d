using System.Globalization;
using System.Text;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// Finds and removes what lab runs left behind when their process died without cleaning up (SIGKILL,
/// a crash, a lost machine session): processes and network namespaces. A process counts as the lab's
/// only when it carries the lab's marker variable naming an owner that no longer runs, or when it
/// runs inside a leftover lab namespace; nothing else is looked at, whatever its command line.
/// </summary>
public static class LabLeftovers
{
    /// <summary>Set on every lab process: the starting process's PID and start time ("pid:starttime").</summary>
    public const string MarkerVariable = "EDGELB_LAB_OWNER";

    private static readonly Lazy<string> s_owner = new(() => OwnerOf(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

    /// <summary>This process as an owner, as written into <see cref="MarkerVariable"/>.</summary>
    public static string CurrentOwner => s_owner.Value;

    /// <summary>
    /// Kills leftover lab processes (SIGKILL, then waits for them to go), then removes leftover
    /// namespaces of labs tagged <paramref name="tag"/>, and says what it removed.
    /// </summary>
    public static async Task<LabSweep> SweepAsync(string tag)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        var namespaces = await NetworkLab.FindOrphansAsync(tag);
        var victims = new SortedDictionary<int, string>();
        foreach (var ns in namespaces)
        {
            var pids = await ProcessRunner.RunAsync("ip", ["netns", "pids", ns], check: false);
            foreach (var text in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(text, CultureInfo.InvariantCulture, out var pid))
                {
                    Add(victims, pid);
                }
            }
        }

        foreach (var pid in AllPids())
        {
            if (Marker(pid) is { } owner && !IsRunning(owner))
            {
                Add(victims, pid);
            }
        }

        foreach (var pid in victims.Keys)
        {
            _ = LabProcess.Kill(pid, LabProcess.SigKill);
        }

        await WaitGoneAsync(victims.Keys, TimeSpan.FromSeconds(5));
        foreach (var ns in namespaces)
        {
            await ProcessRunner.RunAsync("ip", ["netns", "del", ns], check: false);
        }

        return new LabSweep([.. victims.Select(v => new LeftoverProcess(v.Key, v.Value))], namespaces);
    }

    /// <summary>Whether the owner named by a marker ("pid:starttime") still runs: same PID and same start time, so a reused PID does not count.</summary>
    public static bool IsRunning(string owner)
    {
        var colon = owner.IndexOf(':', StringComparison.Ordinal);
        var pidText = colon < 0 ? owner : owner[..colon];
        if (!int.TryParse(pidText, CultureInfo.InvariantCulture, out var pid))
        {
            // Not ours to judge: keep it.
            return true;
        }

        var now = OwnerOf(pid);
        return now is not null && (colon < 0 || now == owner);
    }

    private static void Add(SortedDictionary<int, string> victims, int pid)
    {
        if (pid != Environment.ProcessId && !victims.ContainsKey(pid) && CommandOf(pid) is { } command)
        {
            victims[pid] = command;
        }
    }

    private static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>The marker in a process's environment, or null (no marker, or the process is gone).</summary>
    private static string? Marker(int pid)
    {
        byte[] environ;
        try
        {
            environ = File.ReadAllBytes($"/proc/{pid}/environ");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var prefix = Encoding.ASCII.GetBytes(MarkerVariable + "=");
        foreach (var entry in environ.AsSpan().Split((byte)0))
        {
            var value = environ.AsSpan()[entry];
            if (value.StartsWith(prefix))
            {
                return Encoding.ASCII.GetString(value[prefix.Length..]);
            }
        }

        return null;
    }

    /// <summary>"pid:starttime" of a running process (zombies count as gone), or null.</summary>
    private static string? OwnerOf(int pid)
    {
        var fields = StatFields(pid);
        return fields is null || fields[0] == "Z" ? null : $"{pid.ToString(CultureInfo.InvariantCulture)}:{fields[19]}";
    }

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after the command name: [0] is the state, [19] the start time.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 19 ? fields : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? CommandOf(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
            return raw.Length == 0 ? null : raw.Length > 160 ? raw[..160] + "…" : raw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static async Task WaitGoneAsync(IEnumerable<int> pids, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var left = pids.ToList();
        while (left.Count > 0 && DateTime.UtcNow < deadline)
        {
            left.RemoveAll(pid => StatFields(pid) is not { } f || f[0] == "Z");
            if (left.Count > 0)
            {
                await Task.Delay(20);
            }
        }
    }
}
