using EdgeLB.Core.Addresses;
using EdgeLB.Core.Labels;

namespace EdgeLB.Core.Pools;

/// <summary>
/// Turns a <see cref="PoolSpec"/> into an <see cref="AddressPool"/>, reporting every problem at once
/// with the path of the field at fault, so one look at the status says everything that is wrong.
/// </summary>
public static class PoolValidator
{
    public static (AddressPool? Pool, IReadOnlyList<ValidationProblem> Problems) Validate(PoolSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var problems = new List<ValidationProblem>();
        if (string.IsNullOrEmpty(spec.Name))
        {
            problems.Add(new("metadata.name", "must not be empty"));
        }

        var ranges = new List<IPRange>();
        if (spec.Addresses.Count == 0)
        {
            problems.Add(new("spec.addresses", "must list at least one address range"));
        }

        for (var i = 0; i < spec.Addresses.Count; i++)
        {
            if (!IPRange.TryParse(spec.Addresses[i], out var range, out var error))
            {
                problems.Add(new($"spec.addresses[{i}]", error));
                continue;
            }

            for (var j = 0; j < ranges.Count; j++)
            {
                if (ranges[j].Overlaps(range))
                {
                    problems.Add(new($"spec.addresses[{i}]", $"\"{spec.Addresses[i]}\" overlaps spec.addresses[{IndexOfRange(spec, ranges[j])}] of the same pool"));
                }
            }

            ranges.Add(range);
        }

        var allocation = spec.ServiceAllocation;
        var priority = allocation?.Priority ?? 0;
        if (priority < 0)
        {
            problems.Add(new("spec.serviceAllocation.priority", $"{priority} is negative; lower numbers are tried first and 0 means last"));
        }

        var namespaces = allocation?.Namespaces ?? [];
        for (var i = 0; i < namespaces.Count; i++)
        {
            if (LabelSyntax.CheckNamespace(namespaces[i]) is { } error)
            {
                problems.Add(new($"spec.serviceAllocation.namespaces[{i}]", error));
            }
        }

        var namespaceSelectors = ConvertSelectors(allocation?.NamespaceSelectors, "spec.serviceAllocation.namespaceSelectors", problems);
        var serviceSelectors = ConvertSelectors(allocation?.ServiceSelectors, "spec.serviceAllocation.serviceSelectors", problems);
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        var pool = new AddressPool(
            spec.Name,
            ranges,
            spec.AutoAssign ?? true,
            spec.AvoidBuggyIPs ?? false,
            priority,
            namespaces,
            namespaceSelectors,
            serviceSelectors);
        return (pool, problems);
    }

    /// <summary>Converts selectors, adding a problem for each bad key, value or operator.</summary>
    public static IReadOnlyList<LabelSelector> ConvertSelectors(IReadOnlyList<LabelSelectorSpec>? specs, string field, List<ValidationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var result = new List<LabelSelector>();
        for (var i = 0; i < (specs?.Count ?? 0); i++)
        {
            if (ConvertSelector(specs![i], $"{field}[{i}]", problems) is { } selector)
            {
                result.Add(selector);
            }
        }

        return result;
    }

    public static LabelSelector? ConvertSelector(LabelSelectorSpec spec, string field, List<ValidationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(problems);
        var before = problems.Count;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in spec.MatchLabels ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            if ((LabelSyntax.CheckKey(key) ?? LabelSyntax.CheckValue(value)) is { } error)
            {
                problems.Add(new($"{field}.matchLabels", error));
            }

            labels[key] = value;
        }

        var requirements = new List<LabelSelectorRequirement>();
        var expressions = spec.MatchExpressions ?? [];
        for (var i = 0; i < expressions.Count; i++)
        {
            var e = expressions[i];
            var path = $"{field}.matchExpressions[{i}]";
            if (LabelSyntax.CheckKey(e.Key) is { } keyError)
            {
                problems.Add(new($"{path}.key", keyError));
            }

            if (!Enum.TryParse<LabelSelectorOperator>(e.Operator, ignoreCase: false, out var op) || !Enum.IsDefined(op))
            {
                problems.Add(new($"{path}.operator", $"\"{e.Operator}\" is not one of In, NotIn, Exists, DoesNotExist"));
                continue;
            }

            var values = e.Values ?? [];
            if (op is LabelSelectorOperator.In or LabelSelectorOperator.NotIn && values.Count == 0)
            {
                problems.Add(new($"{path}.values", $"must not be empty for {op}"));
            }
            else if (op is LabelSelectorOperator.Exists or LabelSelectorOperator.DoesNotExist && values.Count > 0)
            {
                problems.Add(new($"{path}.values", $"must be empty for {op}"));
            }

            requirements.Add(new LabelSelectorRequirement(e.Key, op, values));
        }

        return problems.Count == before ? new LabelSelector(labels, requirements) : null;
    }

    private static int IndexOfRange(PoolSpec spec, IPRange range)
    {
        for (var i = 0; i < spec.Addresses.Count; i++)
        {
            if (IPRange.TryParse(spec.Addresses[i], out var r, out _) && r == range)
            {
                return i;
            }
        }

        return -1;
    }
}
