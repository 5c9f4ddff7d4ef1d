using System.Text.Json;

namespace EdgeLB.Benchmarks;

/// <summary>Writes a suite's figures as artifacts/bench/&lt;suite&gt;.json: {"metrics": {...}}.</summary>
internal static class BenchOutput
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string path, IReadOnlyDictionary<string, double> metrics)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object> { ["metrics"] = metrics }, Indented));
        Console.WriteLine(File.ReadAllText(path));
    }
}
