using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// The repository's Dockerfile read into stages and instructions: enough to check it against the
/// publish script and the source without a container engine.
/// </summary>
internal sealed partial record Dockerfile(IReadOnlyDictionary<string, string> Args, IReadOnlyList<Dockerfile.Stage> Stages)
{
    public sealed record Instruction(string Keyword, string Text);

    public sealed record Stage(string From, string? Name, IReadOnlyList<Instruction> Instructions)
    {
        public IEnumerable<string> All(string keyword) =>
            Instructions.Where(i => i.Keyword == keyword).Select(i => i.Text);
    }

    public static Dockerfile Load() => Parse(File.ReadAllText(Path.Combine(RepoFiles.Root, "Dockerfile")));

    public static Dockerfile Parse(string text)
    {
        // Join continuation lines, drop comments and blank lines.
        var lines = new List<string>();
        var current = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd();
            if (current.Length == 0 && (line.TrimStart().StartsWith('#') || line.Length == 0))
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                current += line[..^1].Trim() + " ";
                continue;
            }

            lines.Add((current + line.Trim()).Trim());
            current = "";
        }

        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<Stage>();
        List<Instruction>? instructions = null;
        foreach (var line in lines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            var keyword = line[..space].ToUpperInvariant();
            var rest = line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var from = FromPattern().Match(rest);
                var image = Regex.Replace(from.Groups["image"].Value, @"\$\{(?<arg>\w+)\}", m => args.GetValueOrDefault(m.Groups["arg"].Value, m.Value));
                instructions = [];
                stages.Add(new Stage(image, from.Groups["name"].Success ? from.Groups["name"].Value : null, instructions));
            }
            else if (instructions is null && keyword == "ARG")
            {
                var parts = rest.Split('=', 2);
                args[parts[0]] = parts.Length == 2 ? parts[1] : "";
            }
            else
            {
                (instructions ?? throw new InvalidDataException($"'{line}' comes before the first FROM")).Add(new Instruction(keyword, rest));
            }
        }

        return new Dockerfile(args, stages);
    }

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase | RegexOptions.ExplicitCapture)]
    private static partial Regex FromPattern();
}
