using System.Text.Json.Serialization;

namespace EdgeLB.Benchmarks.Announce;

[JsonSerializable(typeof(Dictionary<string, Dictionary<string, double>>))]
[JsonSourceGenerationOptions(WriteIndented = true)]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
