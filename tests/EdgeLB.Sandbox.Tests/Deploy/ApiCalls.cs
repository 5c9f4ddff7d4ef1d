using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>One API permission the code needs: verb on group/resource (resource may be "plural/subresource").</summary>
internal sealed record ApiCall(string Group, string Resource, string Verb, bool Namespaced, string Source)
{
    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "core" : Group)}/{Resource} (from {Source})";
}

/// <summary>
/// Derives the API calls a component makes by reading its C# source: every <c>Resources.X</c> use, the call
/// it is passed to, and the same for the EdgeLB.Kubernetes helpers (leader election, events) the component
/// creates. Group, plural and scope come from src/EdgeLB.Kubernetes/Rest/Resources.cs.
/// </summary>
internal static partial class ApiCalls
{
    // Which verbs each client call needs; an unknown call fails the derivation, so new shapes get mapped here.
    private static readonly Dictionary<string, string[]> VerbsByCall = new(StringComparer.Ordinal)
    {
        ["GetAsync"] = ["get"],
        ["TryGetAsync"] = ["get"],
        ["ListAsync"] = ["list"],
        ["ListAllAsync"] = ["list"],
        ["WatchAsync"] = ["watch"],
        ["CreateAsync"] = ["create"],
        ["CreateWithoutResultAsync"] = ["create"],
        ["UpdateAsync"] = ["update"],
        ["UpdateStatusAsync"] = ["update"],
        ["DeleteAsync"] = ["delete"],
        ["PatchAsync"] = ["patch"],
        ["PatchWithoutResultAsync"] = ["patch"],
        ["ApplyAsync"] = ["patch"],
        ["PatchStatusWithRetryAsync"] = ["get", "patch"],
        ["Informer"] = ["list", "watch"],
    };

    public sealed record Descriptor(string Group, string Plural, bool Namespaced);

    /// <summary>Resources.cs property name → where the resource lives.</summary>
    public static IReadOnlyDictionary<string, Descriptor> ReadDescriptors()
    {
        var text = File.ReadAllText(Path.Combine(RepoFiles.Root, "src/EdgeLB.Kubernetes/Rest/Resources.cs"));
        var result = new Dictionary<string, Descriptor>(StringComparer.Ordinal);
        foreach (Match m in DescriptorPattern().Matches(text))
        {
            result[m.Groups["prop"].Value] = new Descriptor(m.Groups["group"].Value, m.Groups["plural"].Value, m.Groups["ns"].Value == "true");
        }

        return result;
    }

    /// <summary>The calls the sources under <paramref name="projectDir"/> (relative to the repo) make.</summary>
    public static IReadOnlyList<ApiCall> Derive(string projectDir)
    {
        var descriptors = ReadDescriptors();
        var calls = new List<ApiCall>();
        var helperDir = Path.Combine(RepoFiles.Root, "src/EdgeLB.Kubernetes");
        var helpers = Directory.EnumerateFiles(helperDir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal);

        var seenHelpers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in SourceFiles(Path.Combine(RepoFiles.Root, projectDir)))
        {
            var text = File.ReadAllText(file);
            calls.AddRange(FromText(text, Path.GetRelativePath(RepoFiles.Root, file), descriptors));
            foreach (Match m in NewPattern().Matches(text))
            {
                var type = m.Groups["type"].Value;
                if (helpers.TryGetValue(type, out var helper) && seenHelpers.Add(type))
                {
                    calls.AddRange(FromText(File.ReadAllText(helper), Path.GetRelativePath(RepoFiles.Root, helper), descriptors));
                }
            }
        }

        return calls;
    }

    /// <summary>The calls one source text makes; throws when a use cannot be classified.</summary>
    public static IEnumerable<ApiCall> FromText(string text, string source, IReadOnlyDictionary<string, Descriptor> descriptors)
    {
        foreach (Match use in UsePattern().Matches(text))
        {
            var name = use.Groups["prop"].Value;
            if (!descriptors.TryGetValue(name, out var d))
            {
                throw new InvalidDataException($"{source}: Resources.{name} is not in Resources.cs");
            }

            var (start, end) = Statement(text, use.Index);
            var before = text[start..use.Index];
            var statement = text[start..end];
            var call = CallPattern().Matches(before).LastOrDefault()?.Groups["call"].Value
                ?? throw new InvalidDataException($"{source}: cannot tell which call Resources.{name} is passed to in: {statement.Trim()}");
            if (!VerbsByCall.TryGetValue(call, out var verbs))
            {
                throw new InvalidDataException($"{source}: no verb mapping for {call}(Resources.{name}); add it to ApiCalls.VerbsByCall");
            }

            var sub = SubresourcePattern().Match(text[use.Index..end]) is { Success: true } s ? s.Groups["sub"].Value
                : call is "UpdateStatusAsync" or "PatchStatusWithRetryAsync" ? "status" : null;
            foreach (var verb in verbs)
            {
                // A status call reads the main resource (get) but writes the subresource.
                var resource = sub is not null && verb != "get" ? $"{d.Plural}/{sub}" : d.Plural;
                yield return new ApiCall(d.Group, resource, verb, d.Namespaced, source);
            }
        }

        if (text.Contains(".ReviewTokenAsync(", StringComparison.Ordinal))
        {
            yield return new ApiCall("authentication.k8s.io", "tokenreviews", "create", Namespaced: false, source);
        }

        if (text.Contains(".ReviewAccessAsync(", StringComparison.Ordinal))
        {
            yield return new ApiCall("authorization.k8s.io", "subjectaccessreviews", "create", Namespaced: false, source);
        }
    }

    private static IEnumerable<string> SourceFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

    // A statement runs from the previous ';', '{' or '}' to the next ';' (object initializers have no ';').
    private static (int Start, int End) Statement(string text, int index)
    {
        var start = text.LastIndexOfAny([';', '{', '}'], index) + 1;
        var end = text.IndexOf(';', index);
        return (start, end < 0 ? text.Length : end);
    }

    [GeneratedRegex("""public static ResourceDescriptor<\w+> (?<prop>\w+) \{ get; \} =\s*new\("(?<group>[^"]*)", "[^"]*", "(?<plural>[^"]*)", "[^"]*", Namespaced: (?<ns>true|false)""")]
    private static partial Regex DescriptorPattern();

    [GeneratedRegex(@"\bResources\.(?<prop>\w+)")]
    private static partial Regex UsePattern();

    [GeneratedRegex(@"(?:\.|\bnew\s+)(?<call>\w+)(?:<[^<>()]*>)?\s*\(")]
    private static partial Regex CallPattern();

    [GeneratedRegex(@"\bnew\s+(?<type>\w+)\s*(?:<[^<>()]*>)?\s*\(")]
    private static partial Regex NewPattern();

    [GeneratedRegex(@"subresource:\s*""(?<sub>\w+)""")]
    private static partial Regex SubresourcePattern();
}
