using System.Globalization;
using EdgeLB.Fuzz;

// edgelb-fuzz <target> [--cases N] [--seed S] [--out FILE] | <target> --replay CASE-SEED: one target per process, so each one's
// peak RSS is its own. Exit 0 when no crash was found, 1 when some were, 3 on a hang.
string? Arg(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && Arg("--cases") != a && Arg("--seed") != a && Arg("--out") != a && Arg("--replay") != a);
var cases = long.Parse(Arg("--cases") ?? "100000", CultureInfo.InvariantCulture);
var seed = ulong.Parse(Arg("--seed") ?? DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
var output = Arg("--out") ?? "artifacts/bench/fuzz.json";
if (name is null || !FuzzTargets.Names.Contains(name))
{
    await Console.Error.WriteLineAsync($"usage: EdgeLB.Fuzz <{string.Join('|', FuzzTargets.Names)}> [--cases N] [--seed S] [--out FILE]");
    return 2;
}

if (Arg("--replay") is { } replay)
{
    Console.WriteLine(FuzzTargets.Replay(name, replay));
    return 0;
}

Console.WriteLine($"{name}: {cases} cases, seed {seed}");
var result = await FuzzTargets.RunAsync(name, cases, seed, Console.WriteLine, hung => FuzzReport.Merge(output, hung, FuzzReport.PeakRssMb()));
var rss = FuzzReport.PeakRssMb();
FuzzReport.Merge(output, result, rss);
Console.WriteLine($"{name}: {result.Cases} cases, {result.Crashes} crashes ({result.InvariantViolations} broken invariants), peak RSS {rss:F1} MB");
foreach (var finding in result.Findings)
{
    Console.WriteLine($"{name}: {finding}");
}

return result.Crashes == 0 ? 0 : 1;
