using YamlDotNet.RepresentationModel;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>A YAML node together with the file and field path it came from, so errors can name both.</summary>
internal readonly record struct YamlField(string File, string Path, YamlNode? Node)
{
    public bool IsMissing => Node is null || (Node is YamlScalarNode s && s.Style == YamlDotNet.Core.ScalarStyle.Plain && (s.Value is null || s.Value == "null" || s.Value == "~" || s.Value.Length == 0));

    public KubeConfigException Error(string problem, Exception? inner = null) => KubeConfigException.For(File, Path, problem, inner);

    public YamlField Child(string key)
    {
        var path = Path.Length == 0 ? key : $"{Path}.{key}";
        if (IsMissing)
        {
            return new YamlField(File, path, null);
        }

        if (Node is not YamlMappingNode map)
        {
            throw Error("expected a mapping");
        }

        return map.Children.TryGetValue(new YamlScalarNode(key), out var child) ? new YamlField(File, path, child) : new YamlField(File, path, null);
    }

    public IEnumerable<YamlField> Items()
    {
        if (IsMissing)
        {
            yield break;
        }

        if (Node is not YamlSequenceNode seq)
        {
            throw Error("expected a list");
        }

        var i = 0;
        foreach (var item in seq.Children)
        {
            yield return new YamlField(File, $"{Path}[{i}]", item);
            i++;
        }
    }

    public string? String()
    {
        if (IsMissing)
        {
            return null;
        }

        if (Node is not YamlScalarNode scalar)
        {
            throw Error("expected a string");
        }

        return scalar.Value;
    }

    public string RequiredString()
    {
        var value = String();
        return string.IsNullOrEmpty(value) ? throw Error("missing") : value;
    }

    public bool? Bool()
    {
        var text = String();
        return text switch
        {
            null => null,
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => throw Error($"\"{text}\" is not true or false"),
        };
    }

    public byte[]? Base64()
    {
        var text = String();
        if (text is null)
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text.Trim());
        }
        catch (FormatException ex)
        {
            throw Error("not valid base64", ex);
        }
    }

    public IReadOnlyList<string> Strings() => [.. Items().Select(i => i.String() ?? "")];
}
