namespace EdgeLB.Sandbox.Lab;

/// <summary>What <see cref="LabLeftovers.SweepAsync"/> removed.</summary>
public sealed record LabSweep(IReadOnlyList<LeftoverProcess> Processes, IReadOnlyList<string> Namespaces)
{
    public bool IsEmpty => Processes.Count == 0 && Namespaces.Count == 0;

    /// <summary>One line per process (by PID, with its command) and per namespace.</summary>
    public IEnumerable<string> Lines() =>
        Processes.Select(p => $"killed process {p.Pid} ({p.Command})")
            .Concat(Namespaces.Select(n => $"removed namespace {n}"));
}
