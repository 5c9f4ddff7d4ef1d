using System.Globalization;

namespace EdgeLB.Benchmarks;

/// <summary>What the process-level suites read about the processes they start: a free loopback port, CPU time and memory from /proc.</summary>
internal static class ProcessReadings
{
    public static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>User plus system CPU time of a process so far (utime and stime in /proc/&lt;pid&gt;/stat, in clock ticks of 1/100 s).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>A memory line of /proc/&lt;pid&gt;/status in MB: "VmRSS:" now, "VmHWM:" the most resident memory the process ever had.</summary>
    public static double MemoryMb(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }
}
