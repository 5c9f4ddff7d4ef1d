using System.Diagnostics;
using System.Globalization;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.Lab;

/// <summary>Lab processes die with the process that started them, and a new run sweeps what an earlier one left.</summary>
public sealed class LabLeftoversTests
{
    private static readonly string LogPath = Path.Combine(Path.GetTempPath(), $"edgelb-leftovers-{Environment.ProcessId}.log");

    /// <summary>Gone, or a zombie nobody reaped yet (it runs no more either way).</summary>
    private static bool IsGone(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static async Task<bool> GoneWithinAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsGone(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }

    private static async Task<string> CommOfAsync(int pid)
    {
        for (var i = 0; i < 250; i++)
        {
            var comm = File.Exists($"/proc/{pid}/comm") ? (await File.ReadAllTextAsync($"/proc/{pid}/comm")).Trim() : "";
            if (comm is not ("sh" or "setpriv" or "ip" or ""))
            {
                return comm;
            }

            await Task.Delay(20);
        }

        return "";
    }

    /// <summary>
    /// A sandbox-like parent: a shell that starts one lab child with the arguments LabProcess uses,
    /// prints the child's PID and waits. Returns the parent and the child's PID once the child runs its command.
    /// </summary>
    private static async Task<(Process Parent, int Child)> StartParentAsync(IReadOnlyList<string> childArguments)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in (string[])["-c", "/bin/sh \"$@\" & echo $!; wait", "parent", .. childArguments])
        {
            psi.ArgumentList.Add(arg);
        }

        var parent = Process.Start(psi)!;
        var child = int.Parse((await parent.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
        Assert.Equal("sleep", await CommOfAsync(child));
        return (parent, child);
    }

    [LabFact]
    public async Task LabChild_DiesWhenTheProcessThatStartedItIsKilled()
    {
        await using var lab = await NetworkLab.CreateAsync("elx");
        var ns = lab.Namespaces[0];

        var (parent, child) = await StartParentAsync(LabProcess.ShellArguments(ns, LogPath, "sleep", "300"));
        using (parent)
        {
            parent.Kill(); // SIGKILL: no chance to clean up
            await parent.WaitForExitAsync();
            Assert.True(await GoneWithinAsync(child, TimeSpan.FromSeconds(5)), $"lab child {child} outlived its killed parent");
        }

        // Without the parent-death signal the same child outlives its parent: what the test above would see otherwise.
        var (bare, orphan) = await StartParentAsync(["-c", "exec \"$@\"", "sh", "ip", "netns", "exec", ns, "sleep", "301"]);
        using (bare)
        {
            bare.Kill();
            await bare.WaitForExitAsync();
            await Task.Delay(300);
            Assert.False(IsGone(orphan), "the control child died as well");
            _ = LabProcess.Kill(orphan, LabProcess.SigKill);
            Assert.True(await GoneWithinAsync(orphan, TimeSpan.FromSeconds(5)));
        }
    }

    [LabFact]
    public async Task LabChild_StartedFromAThreadThatEnds_KeepsRunning_AndCarriesTheMarker()
    {
        await using var lab = await NetworkLab.CreateAsync("elx");
        LabProcess? child = null;
        var starter = new Thread(() => child = LabProcess.Start("sleeper", lab.Namespaces[0], LogPath, null, "sleep", "302"));
        starter.Start();
        starter.Join();
        await using var started = child!;

        // The parent-death signal follows the forking thread: had the ended thread forked it, it would be dead now.
        Assert.Equal("sleep", await CommOfAsync(started.Pid));
        await Task.Delay(500);
        Assert.False(started.HasExited);
        var environ = (await File.ReadAllTextAsync($"/proc/{started.Pid}/environ")).Split('\0');
        Assert.Contains($"{LabLeftovers.MarkerVariable}={LabLeftovers.CurrentOwner}", environ);
        Assert.True(LabLeftovers.IsRunning(LabLeftovers.CurrentOwner));
    }

    [LabFact]
    public async Task Sweep_KillsLeftoverProcesses_RemovesLeftoverNamespaces_AndSaysWhat()
    {
        var tag = $"els{Random.Shared.Next(100, 999)}";
        using var exited = Process.Start("true")!;
        await exited.WaitForExitAsync();
        var deadOwner = exited.Id;
        var ns = $"{tag}-{deadOwner}-1-node1";
        await ProcessRunner.RunAsync("ip", ["netns", "add", ns]);
        Process? inNamespace = null, marked = null, markedByLiving = null;
        try
        {
            // A process in the leftover namespace, one outside it marked by the dead run, and one marked by a living run.
            inNamespace = Process.Start("ip", ["netns", "exec", ns, "sleep", "303"])!;
            marked = StartMarked($"{deadOwner}:1", "304");
            markedByLiving = StartMarked(LabLeftovers.CurrentOwner, "305");
            Assert.Equal("sleep", await CommOfAsync(inNamespace.Id));

            var sweep = await LabLeftovers.SweepAsync(tag);

            Assert.Contains(new LeftoverProcess(inNamespace.Id, "sleep 303"), sweep.Processes);
            Assert.Contains(new LeftoverProcess(marked.Id, "sleep 304"), sweep.Processes);
            Assert.DoesNotContain(sweep.Processes, p => p.Pid == markedByLiving.Id);
            Assert.Equal([ns], sweep.Namespaces);
            var lines = sweep.Lines().ToList();
            Assert.Contains($"killed process {inNamespace.Id} (sleep 303)", lines);
            Assert.Contains($"killed process {marked.Id} (sleep 304)", lines);
            Assert.Contains($"removed namespace {ns}", lines);

            Assert.True(await GoneWithinAsync(inNamespace.Id, TimeSpan.FromSeconds(5)));
            Assert.True(await GoneWithinAsync(marked.Id, TimeSpan.FromSeconds(5)));
            Assert.False(IsGone(markedByLiving.Id));
            Assert.DoesNotContain(ns, await ProcessRunner.RunAsync("ip", ["netns", "list"]), StringComparison.Ordinal);
            Assert.True((await LabLeftovers.SweepAsync(tag)).IsEmpty);
        }
        finally
        {
            foreach (var p in new[] { inNamespace, marked, markedByLiving })
            {
                if (p is not null && !p.HasExited)
                {
                    p.Kill();
                }

                p?.Dispose();
            }

            await ProcessRunner.RunAsync("ip", ["netns", "del", ns], check: false);
        }
    }

    private static Process StartMarked(string owner, string seconds)
    {
        var psi = new ProcessStartInfo("sleep") { UseShellExecute = false };
        psi.ArgumentList.Add(seconds);
        psi.Environment[LabLeftovers.MarkerVariable] = owner;
        return Process.Start(psi)!;
    }
}
