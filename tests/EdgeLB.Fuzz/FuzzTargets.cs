using EdgeLB.Fuzz.Frames;
using EdgeLB.Fuzz.Objects;
using EdgeLB.Fuzz.Sessions;

namespace EdgeLB.Fuzz;

/// <summary>The targets by name, as hack/fuzz.sh and the smoke tests run them.</summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyList<string> Names = ["frames", "controller_session", "objects"];

    /// <summary>Checks again the input a crash's seed names, and describes it.</summary>
    public static string Replay(string name, string seed) => name switch
    {
        "frames" => Describe(new FrameTarget(), seed),
        "controller_session" => Describe(new ControllerSessionTarget(), seed),
        "objects" => Describe(new ObjectTarget(), seed),
        _ => throw new ArgumentException($"unknown fuzz target '{name}'", nameof(name)),
    };

    private static string Describe<T>(IFuzzTarget<T> target, string seed)
    {
        var (input, problem) = FuzzRunner.Replay(target, seed);
        return $"{problem ?? "no crash"}\n{target.Describe(input)}";
    }

    public static Task<FuzzResult> RunAsync(string name, long cases, ulong seed, Action<string> log, Action<FuzzResult>? onHang = null) => name switch
    {
        "frames" => Task.FromResult(FuzzRunner.Run(new FrameTarget(), cases, seed, log, onHang)),
        "controller_session" => Task.FromResult(FuzzRunner.Run(new ControllerSessionTarget(), cases, seed, log, onHang)),
        "objects" => Task.FromResult(FuzzRunner.Run(new ObjectTarget(), cases, seed, log, onHang)),
        _ => throw new ArgumentException($"unknown fuzz target '{name}'", nameof(name)),
    };
}
