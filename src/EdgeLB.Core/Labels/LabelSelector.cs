namespace EdgeLB.Core.Labels;

/// <summary>A Kubernetes label selector: every matchLabels pair and every expression must hold.</summary>
public sealed record LabelSelector(
    IReadOnlyDictionary<string, string> MatchLabels,
    IReadOnlyList<LabelSelectorRequirement> MatchExpressions)
{
    public static LabelSelector Everything { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal), []);

    public static LabelSelector FromLabels(IReadOnlyDictionary<string, string> labels) => new(labels, []);

    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return MatchExpressions.All(e => e.Matches(labels));
    }
}
