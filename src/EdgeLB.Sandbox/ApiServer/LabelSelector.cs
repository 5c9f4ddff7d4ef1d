namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// A parsed labelSelector query: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>,
/// <c>k notin (a,b)</c>, <c>k</c> and <c>!k</c>, joined by commas (all must hold).
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _requirements = [];

    private LabelSelector()
    {
    }

    public static LabelSelector Everything { get; } = new();

    public bool IsEmpty => _requirements.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var term in SplitTerms(text))
        {
            selector._requirements.Add(ParseTerm(term.Trim(), text));
        }

        return selector;
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.TrueForAll(r => r(labels));

    private static Func<IReadOnlyDictionary<string, string>, bool> ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw Bad(whole, "empty requirement");
        }

        if (term[0] == '!')
        {
            var key = CheckKey(term[1..].Trim(), whole);
            return l => !l.ContainsKey(key);
        }

        var setMatch = FindSetOperator(term);
        if (setMatch is { } set)
        {
            var key = CheckKey(term[..set.Index].Trim(), whole);
            var rest = term[(set.Index + set.Op.Length)..].Trim();
            if (rest.Length < 2 || rest[0] != '(' || rest[^1] != ')')
            {
                throw Bad(whole, $"expected a parenthesized value list after '{set.Op.Trim()}'");
            }

            var values = rest[1..^1].Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
            return set.Op.Trim() == "in"
                ? l => l.TryGetValue(key, out var v) && values.Contains(v)
                : l => !l.TryGetValue(key, out var v) || !values.Contains(v);
        }

        foreach (var op in new[] { "!=", "==", "=" })
        {
            var i = term.IndexOf(op, StringComparison.Ordinal);
            if (i >= 0)
            {
                var key = CheckKey(term[..i].Trim(), whole);
                var value = term[(i + op.Length)..].Trim();
                return op == "!="
                    ? l => !l.TryGetValue(key, out var v) || v != value
                    : l => l.TryGetValue(key, out var v) && v == value;
            }
        }

        var exists = CheckKey(term, whole);
        return l => l.ContainsKey(exists);
    }

    private static (int Index, string Op)? FindSetOperator(string term)
    {
        foreach (var op in new[] { " notin ", " in " })
        {
            var i = term.IndexOf(op, StringComparison.Ordinal);
            if (i > 0)
            {
                return (i, op);
            }
        }

        return null;
    }

    private static string CheckKey(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw Bad(whole, $"invalid label key \"{key}\"");
        }

        return key;
    }

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static ApiException Bad(string whole, string why) =>
        ApiException.BadRequest($"unable to parse requirement: {why} in label selector \"{whole}\"");
}
