using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// A parsed fieldSelector query (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, comma-joined). Like the real
/// server it only accepts the field labels each resource supports, and rejects others with 400.
/// </summary>
internal sealed class FieldSelector
{
    private readonly List<(string[] Path, string Value, bool Equal)> _terms = [];

    private FieldSelector()
    {
    }

    public static FieldSelector Everything { get; } = new();

    public static FieldSelector Parse(string? text, ResourceType type)
    {
        var selector = new FieldSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }

        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            var (op, i) = term.IndexOf("!=", StringComparison.Ordinal) is var ne and >= 0 ? ("!=", ne)
                : term.IndexOf("==", StringComparison.Ordinal) is var ee and >= 0 ? ("==", ee)
                : ("=", term.IndexOf('=', StringComparison.Ordinal));
            if (i <= 0)
            {
                throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            }

            var field = term[..i].Trim();
            if (field is not ("metadata.name" or "metadata.namespace") && !type.ExtraFieldLabels.Contains(field, StringComparer.Ordinal))
            {
                throw ApiException.BadRequest($"field label not supported: {field}");
            }

            selector._terms.Add((field.Split('.'), term[(i + op.Length)..].Trim(), op != "!="));
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, value, equal) in _terms)
        {
            var actual = Resolve(obj, path);
            if ((actual == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    private static string Resolve(JsonObject obj, string[] path)
    {
        // Events select on "source" meaning source.component, as the real server maps it.
        if (path is ["source"])
        {
            return JsonTree.ScalarText(JsonTree.Walk(obj, "source", "component")) ?? "";
        }

        var node = JsonTree.Walk(obj, path);
        if (node is null && path is ["spec", "unschedulable"])
        {
            return "false";
        }

        return JsonTree.ScalarText(node) ?? "";
    }
}
