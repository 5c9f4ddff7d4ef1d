using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// Renders the Helm chart's templates the way <c>helm template</c> would, for exactly the constructs
/// hack/gen-helm.sh may use: <c>{{ .Values.a.b }}</c>, <c>{{ .Release.Namespace }}</c>,
/// <c>{{ if .Values.a.b }}</c> … <c>{{ end }}</c>, each with Go's <c>{{-</c> / <c>-}}</c> whitespace
/// trimming. Anything else is an error, so the chart cannot grow constructs this test cannot check.
/// </summary>
internal static partial class ChartRenderer
{
    public static string Render(string template, JsonObject values, string releaseNamespace)
    {
        // Tokens alternate text, action, text, …; trim markers trim the neighbouring text first, as Go's parser does.
        var texts = new List<string>();
        var actions = new List<string>();
        var last = 0;
        foreach (Match m in Action().Matches(template))
        {
            texts.Add(template[last..m.Index]);
            actions.Add(m.Groups["body"].Value);
            if (m.Groups["left"].Length > 0)
            {
                texts[^1] = texts[^1].TrimEnd();
            }

            last = m.Index + m.Length;
            if (m.Groups["right"].Length > 0)
            {
                while (last < template.Length && char.IsWhiteSpace(template[last]))
                {
                    last++;
                }
            }
        }

        texts.Add(template[last..]);
        if (texts.Any(t => t.Contains("{{", StringComparison.Ordinal) || t.Contains("}}", StringComparison.Ordinal)))
        {
            throw new InvalidDataException("a '{{' or '}}' that is not a complete action");
        }

        var output = new StringBuilder();
        var conditions = new Stack<bool>();
        for (var i = 0; i < texts.Count; i++)
        {
            if (conditions.All(c => c))
            {
                output.Append(texts[i]);
            }

            if (i == actions.Count)
            {
                break;
            }

            var action = actions[i];
            if (If().Match(action) is { Success: true } condition)
            {
                conditions.Push(IsTrue(Lookup(values, condition.Groups["path"].Value)));
            }
            else if (action == "end")
            {
                if (!conditions.TryPop(out _))
                {
                    throw new InvalidDataException("{{ end }} without {{ if }}");
                }
            }
            else if (conditions.All(c => c))
            {
                output.Append(Evaluate(action, values, releaseNamespace));
            }
            else
            {
                // Not rendered, but it must still be a construct we allow.
                Evaluate(action, values, releaseNamespace);
            }
        }

        return conditions.Count == 0 ? output.ToString() : throw new InvalidDataException("{{ if }} without {{ end }}");
    }

    private static string Evaluate(string action, JsonObject values, string releaseNamespace)
    {
        if (action == ".Release.Namespace")
        {
            return releaseNamespace;
        }

        if (ValuePath().Match(action) is { Success: true } path)
        {
            var node = Lookup(values, path.Groups["path"].Value);
            return node is JsonValue value
                ? value.GetValueKind() switch
                {
                    JsonValueKind.String => value.GetValue<string>(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.ToJsonString(),
                }
                : throw new InvalidDataException($"{{{{ {action} }}}} is not a scalar value");
        }

        throw new InvalidDataException($"template construct {{{{ {action} }}}} is not one hack/gen-helm.sh may use");
    }

    private static JsonNode Lookup(JsonObject values, string path)
    {
        JsonNode? node = values;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node ?? throw new InvalidDataException($".Values.{path} is not in values.yaml");
    }

    private static bool IsTrue(JsonNode node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length > 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>().ToString(CultureInfo.InvariantCulture) != "0",
        JsonObject o => o.Count > 0,
        JsonArray a => a.Count > 0,
        _ => true,
    };

    [GeneratedRegex(@"\{\{(?<left>-\s)?\s*(?<body>.*?)\s*(?<right>\s-)?\}\}", RegexOptions.Singleline)]
    private static partial Regex Action();

    [GeneratedRegex(@"^if \.Values\.(?<path>[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*)$", RegexOptions.ExplicitCapture)]
    private static partial Regex If();

    [GeneratedRegex(@"^\.Values\.(?<path>[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*)$", RegexOptions.ExplicitCapture)]
    private static partial Regex ValuePath();
}
