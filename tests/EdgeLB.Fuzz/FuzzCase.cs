namespace EdgeLB.Fuzz;

/// <summary>
/// One fuzz target: a generator of inputs and a check of one input. The check returns null when the
/// code under test took the input in its stride (accepted it, or rejected it the documented way),
/// and otherwise says what went wrong; an exception escaping the check is a crash as well.
/// </summary>
internal interface IFuzzTarget<T>
{
    string Name { get; }

    CsCheck.Gen<T> Inputs { get; }

    /// <summary>
    /// Longer than this for one input counts as a hang. It detects code that never returns, not
    /// slowness: on the shared machine a slow case under load takes seconds (speed is for benchmarks).
    /// </summary>
    TimeSpan CaseBound { get; }

    string? Check(T input);

    string Describe(T input);

    /// <summary>How the inputs were taken (accepted, rejected and why), so a run shows it reached the code it means to.</summary>
    string Summary();
}
