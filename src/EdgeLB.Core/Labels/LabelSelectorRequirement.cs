namespace EdgeLB.Core.Labels;

/// <summary>One <c>matchExpressions</c> entry.</summary>
public sealed record LabelSelectorRequirement(string Key, LabelSelectorOperator Operator, IReadOnlyList<string> Values)
{
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var present = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            LabelSelectorOperator.In => present && Values.Contains(value!, StringComparer.Ordinal),
            LabelSelectorOperator.NotIn => !present || !Values.Contains(value!, StringComparer.Ordinal),
            LabelSelectorOperator.Exists => present,
            LabelSelectorOperator.DoesNotExist => !present,
            _ => false,
        };
    }
}
