namespace EdgeLB.Fuzz;

/// <summary>Counts of outcomes by name, printed most frequent first.</summary>
internal sealed class Tally
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    public void Add(string outcome) => _counts[outcome] = _counts.GetValueOrDefault(outcome) + 1;

    public long this[string outcome] => _counts.GetValueOrDefault(outcome);

    public override string ToString() => string.Join(", ", _counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} {c.Value}"));
}
