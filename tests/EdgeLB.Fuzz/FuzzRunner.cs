using System.Diagnostics;
using CsCheck;

namespace EdgeLB.Fuzz;

/// <summary>What one target's run found.</summary>
internal sealed record FuzzResult(string Target, long Cases, int Crashes, IReadOnlyList<string> Findings)
{
    /// <summary>How many of the crashes were broken invariants (the rest escaped exceptions or hangs).</summary>
    public int InvariantViolations { get; init; }
}

/// <summary>
/// Runs a target's check over generated inputs: every case counts, every crash is counted (the run
/// goes on), and the first crash is then handed to CsCheck to shrink from its seed, so the report
/// carries a minimized input to turn into a regular test.
/// </summary>
internal static class FuzzRunner
{
    /// <summary>A case still running after this many case bounds ends the process: a hang that cannot be interrupted in place.</summary>
    private const int HardHangFactor = 20;

    public static FuzzResult Run<T>(IFuzzTarget<T> target, long cases, ulong seed, Action<string> log, Action<FuzzResult>? onHang = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(log);
        var master = new PCG(1, seed);
        var findings = new List<string>();
        string? firstCrashSeed = null;
        var crashes = 0;
        var invariants = 0;
        long done = 0;
        var current = (Started: 0L, Input: default(T), Running: false);
        var gate = new Lock();
        using var stop = new CancellationTokenSource();
        var watchdog = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                lock (gate)
                {
                    if (current.Running && Stopwatch.GetElapsedTime(current.Started) > target.CaseBound * HardHangFactor)
                    {
                        log($"{target.Name}: HANG: a case has run for {Stopwatch.GetElapsedTime(current.Started).TotalSeconds:F0} s: {Short(target.Describe(current.Input!))}");
                        onHang?.Invoke(new FuzzResult(target.Name, done, crashes + 1, [.. findings, "hang: " + Short(target.Describe(current.Input!))]));
                        Environment.Exit(3);
                    }
                }
            }
        });

        var progressEvery = Math.Max(1, cases / 10);
        for (long i = 0; i < cases; i++)
        {
            var pcg = new PCG(1, master.Next64());
            var seedText = pcg.ToString(pcg.State);
            var input = target.Inputs.Generate(pcg, null, out _);
            lock (gate)
            {
                current = (Stopwatch.GetTimestamp(), input, true);
            }

            var problem = Verdict(target, input);
            lock (gate)
            {
                current.Running = false;
            }

            done++;
            if (problem is not null)
            {
                crashes++;
                invariants += problem.StartsWith("invariant:", StringComparison.Ordinal) ? 1 : 0;
                firstCrashSeed ??= seedText;
                if (findings.Count < 5)
                {
                    findings.Add($"{problem}; input (seed {seedText}): {Short(target.Describe(input))}");
                    log($"{target.Name}: CRASH {problem}; seed {seedText}; input {Short(target.Describe(input))}");
                }
            }

            if ((i + 1) % progressEvery == 0)
            {
                log($"{target.Name}: {i + 1} cases, {crashes} crashes");
            }
        }

        stop.Cancel();
        log($"{target.Name}: {target.Summary()}");
        if (firstCrashSeed is not null)
        {
            findings.Add("minimized: " + Short(Minimize(target, firstCrashSeed)));
        }

        return new FuzzResult(target.Name, done, crashes, findings) { InvariantViolations = invariants };
    }

    /// <summary>Regenerates the input a seed names (as printed with each crash) and checks it again.</summary>
    public static (T Input, string? Problem) Replay<T>(IFuzzTarget<T> target, string seed)
    {
        ArgumentNullException.ThrowIfNull(target);
        var input = target.Inputs.Generate(PCG.Parse(seed), null, out _);
        return (input, Verdict(target, input));
    }

    /// <summary>A description short enough for a log line: long generated strings are cut.</summary>
    public static string Short(string description) =>
        description is { Length: > 4000 } ? description[..4000] + $"... ({description.Length} characters)" : description;

    /// <summary>Null when the input was handled; otherwise what went wrong (an escaped exception, a hang, a broken invariant).</summary>
    public static string? Verdict<T>(IFuzzTarget<T> target, T input)
    {
        ArgumentNullException.ThrowIfNull(target);
        var started = Stopwatch.GetTimestamp();
        string? problem;
        try
        {
            problem = target.Check(input);
        }
#pragma warning disable CA1031 // any exception escaping the code under test is exactly what is being looked for
        catch (Exception ex)
#pragma warning restore CA1031
        {
            var frames = ex.StackTrace?.Split('\n').Select(f => f.Trim()) ?? [];
            var ours = frames.FirstOrDefault(f => f.Contains(" EdgeLB.", StringComparison.Ordinal) && !f.Contains("EdgeLB.Fuzz", StringComparison.Ordinal));
            problem = $"{ex.GetType().Name} escaped: {ex.Message} {ours ?? frames.FirstOrDefault()}";
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        return problem ?? (elapsed > target.CaseBound ? $"hang: one case took {elapsed.TotalMilliseconds:F0} ms (bound {target.CaseBound.TotalMilliseconds:F0} ms)" : null);
    }

    private static string Minimize<T>(IFuzzTarget<T> target, string seed)
    {
        try
        {
            target.Inputs.Sample(
                input => Verdict(target, input) is not { } problem || problem.StartsWith("hang", StringComparison.Ordinal),
                seed: seed, iter: 2000, threads: 1, print: input => Short(target.Describe(input)));
            return "the crash did not reproduce from its seed";
        }
        catch (CsCheckException ex)
        {
            return ex.Message;
        }
    }
}
