using System.Text.Json.Nodes;
using EdgeLB.Sandbox.ApiServer;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>Finds the repository from the test's output folder and reads the manifests under deploy/.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string DeployDir => Path.Combine(Root, "deploy");

    public static string ChartDir => Path.Combine(DeployDir, "helm", "edgelb");

    /// <summary>Every YAML manifest under deploy/ (the Helm chart's templates are not manifests), relative to deploy/ with forward slashes, sorted.</summary>
    public static IReadOnlyList<string> ManifestFiles() =>
        Directory.EnumerateFiles(DeployDir, "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(DeployDir, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("helm/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The documents of one file under deploy/.</summary>
    public static IReadOnlyList<JsonObject> Load(string relative) =>
        Parse(File.ReadAllText(Path.Combine(DeployDir, relative)));

    public static IReadOnlyList<JsonObject> Parse(string yaml) =>
        YamlJson.ParseAll(yaml).Select(n => n as JsonObject ?? throw new InvalidDataException("a YAML document is not a mapping")).ToList();

    public static string Kind(JsonObject obj) => (string?)obj["kind"] ?? "";

    public static string Name(JsonObject obj) => (string?)obj["metadata"]?["name"] ?? "";

    public static string? Namespace(JsonObject obj) => (string?)obj["metadata"]?["namespace"];

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeLB.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no EdgeLB.sln above {AppContext.BaseDirectory}");
    }
}
