using System.Diagnostics;

namespace EdgeLB.Sandbox.Lab;

/// <summary>Figures from a run of probes, against fault times taken with <see cref="Stopwatch.GetTimestamp"/>.</summary>
public static class ProbeAnalysis
{
    /// <summary>
    /// Milliseconds from <paramref name="fault"/> to the first answer, among probes started after it,
    /// that <paramref name="servedByNew"/> accepts (by default any success); null if there was none.
    /// </summary>
    public static double? OutageMs(IEnumerable<ProbeResult> results, long fault, Func<ProbeResult, bool>? servedByNew = null)
    {
        var first = results
            .Where(r => r.Started >= fault && r.Succeeded && (servedByNew?.Invoke(r) ?? true))
            .Select(r => (long?)r.Ended)
            .Min();
        return first is { } ended ? Stopwatch.GetElapsedTime(fault, ended).TotalMilliseconds : null;
    }

    /// <summary>Failed probes among those started in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static int FailedBetween(IEnumerable<ProbeResult> results, long from, long to) =>
        results.Count(r => r.Started >= from && r.Started < to && !r.Succeeded);

    /// <summary>The longest time without a successful answer inside [from, to), in milliseconds.</summary>
    public static double LongestGapMs(IEnumerable<ProbeResult> results, long from, long to)
    {
        var ends = results.Where(r => r.Succeeded && r.Ended >= from && r.Ended < to).Select(r => r.Ended).Order().ToList();
        var previous = from;
        var longest = 0.0;
        foreach (var end in ends.Append(to))
        {
            longest = Math.Max(longest, Stopwatch.GetElapsedTime(previous, end).TotalMilliseconds);
            previous = end;
        }

        return longest;
    }

    /// <summary>How many times the holder (as <paramref name="holder"/> reads it from a success) changed, in start order.</summary>
    public static int HolderChanges(IEnumerable<ProbeResult> results, Func<ProbeResult, string?> holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        string? current = null;
        var changes = 0;
        foreach (var r in results.Where(r => r.Succeeded).OrderBy(r => r.Started))
        {
            var h = holder(r);
            if (h is null)
            {
                continue;
            }

            if (current is not null && h != current)
            {
                changes++;
            }

            current = h;
        }

        return changes;
    }

    /// <summary>The median of <paramref name="values"/> (0 for none).</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
