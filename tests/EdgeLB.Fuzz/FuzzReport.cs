using System.Text.Json.Nodes;

namespace EdgeLB.Fuzz;

/// <summary>
/// Writes a target's figures into artifacts/bench/fuzz.json ({"metrics": {...}}), keeping every
/// figure already there: other suites write into the same file.
/// </summary>
internal static class FuzzReport
{
    public static void Merge(string path, FuzzResult result, double peakRssMb)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var root = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonObject existing ? existing : [];
        if (root["metrics"] is not JsonObject metrics)
        {
            metrics = [];
            root["metrics"] = metrics;
        }

        metrics[$"{result.Target}_cases"] = result.Cases;
        metrics[$"{result.Target}_crashes"] = result.Crashes;
        metrics[$"{result.Target}_peak_rss_mb"] = Math.Round(peakRssMb, 1);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The process's peak resident set (VmHWM), in MB.</summary>
    public static double PeakRssMb()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }
}
