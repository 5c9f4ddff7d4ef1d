using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// No container engine runs here, so the Dockerfile is checked against what it must agree with: the
/// publish script, the tools the speaker's source runs, the manifests' image, and the build context.
/// </summary>
public sealed partial class DockerfileTests
{
    // The Ubuntu package that provides each command the speaker runs. A new command in the source fails
    // the test below until it is mapped here and installed by the Dockerfile.
    private static readonly Dictionary<string, string> PackageOfTool = new(StringComparer.Ordinal)
    {
        ["ip"] = "iproute2",
        ["nft"] = "nftables",
        ["sysctl"] = "procps",
    };

    private readonly Dockerfile _dockerfile = Dockerfile.Load();

    [Fact]
    public void BuildStage_RunsThePublishScript_AndTheRuntimeStageStartsWhatItProduced()
    {
        Assert.Equal(2, _dockerfile.Stages.Count);
        var build = _dockerfile.Stages[0];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.From, StringComparison.Ordinal);

        // The SDK image must satisfy global.json, or the publish inside it refuses to start.
        var sdk = (string)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(RepoFiles.Root, "global.json")))!["sdk"]!["version"]!;
        Assert.StartsWith(_dockerfile.Args["DOTNET_VERSION"] + ".", sdk, StringComparison.Ordinal);
        var publish = Assert.Single(build.All("RUN"), r => r.Contains("hack/publish.sh", StringComparison.Ordinal));
        var output = PublishOutput().Match(publish);
        Assert.True(output.Success, $"hack/publish.sh is run without an output folder: {publish}");

        var runtime = _dockerfile.Stages[1];
        var copy = Assert.Single(runtime.All("COPY"), c => c.StartsWith($"--from={build.Name} ", StringComparison.Ordinal)).Split(' ');
        Assert.Equal(output.Groups["dir"].Value, copy[1]);
        var entrypoint = JsonSerializer.Deserialize<string[]>(Assert.Single(runtime.All("ENTRYPOINT")))!;
        Assert.Equal([copy[2].TrimEnd('/') + "/edgelb"], entrypoint);
    }

    [Fact]
    public void RuntimeStage_InstallsEveryToolTheSpeakerRuns()
    {
        var tools = Directory.EnumerateFiles(Path.Combine(RepoFiles.Root, "src/EdgeLB.Speaker"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .SelectMany(f => ToolCall().Matches(File.ReadAllText(f)).Select(m => m.Groups["tool"].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("ip", tools);

        var installed = _dockerfile.Stages[^1].All("RUN")
            .SelectMany(r => AptInstall().Matches(r).SelectMany(m => m.Groups["packages"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Where(p => !p.StartsWith('-'))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var tool in tools)
        {
            Assert.True(PackageOfTool.TryGetValue(tool, out var package), $"the speaker runs '{tool}': map it to its package in this test and install it in the Dockerfile");
            Assert.True(installed.Contains(package), $"the speaker runs '{tool}' but the runtime image does not install {package}");
        }
    }

    [Fact]
    public void RuntimeStage_RunsAsANonRootUserByDefault()
    {
        var user = Assert.Single(_dockerfile.Stages[^1].All("USER"));
        Assert.DoesNotMatch(@"^(root|0)(:|$)", user);
    }

    [Fact]
    public void Manifests_RunTheImageByItsEntrypoint()
    {
        // The containers pass only arguments, so the image's ENTRYPOINT (edgelb) is what runs.
        foreach (var file in new[] { "controller.yaml", "speaker.yaml" })
        {
            foreach (var workload in RepoFiles.Load(file).Where(o => RepoFiles.Kind(o) is "Deployment" or "DaemonSet"))
            {
                var pod = workload["spec"]!["template"]!["spec"]!;
                foreach (var container in pod["containers"]!.AsArray())
                {
                    Assert.Null(container!["command"]);
                    Assert.Equal("edgelb/edgelb:dev", (string?)container["image"]);
                }
            }
        }
    }

    [Fact]
    public void DockerIgnore_KeepsEveryPublishInput()
    {
        var ignored = File.ReadAllLines(Path.Combine(RepoFiles.Root, ".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        Assert.Contains("**/bin/", ignored);
        Assert.Contains("**/obj/", ignored);
        // Whatever the projects under src/ include from outside their folder (other projects, proto files)
        // must be in the build context too.
        var included = Directory.EnumerateFiles(Path.Combine(RepoFiles.Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .SelectMany(p => ProjectInclude().Matches(File.ReadAllText(p)).Select(m => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(p)!, m.Groups["path"].Value))))
            .Select(full => Path.GetRelativePath(RepoFiles.Root, full).Replace('\\', '/').Split('/')[0] + "/")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.Contains("proto/", included);
        foreach (var needed in included.Concat(["src/", "hack/", "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig"]))
        {
            Assert.DoesNotContain(ignored, l => l.TrimStart('/') == needed || l.TrimStart('/') == needed.TrimEnd('/'));
        }
    }

    [GeneratedRegex(@"Include=""(?<path>\.\./[^""]+)""")]
    private static partial Regex ProjectInclude();

    [GeneratedRegex(@"hack/publish\.sh\s+(?<dir>/\S+)")]
    private static partial Regex PublishOutput();

    [GeneratedRegex(@"RunAsync\(""(?<tool>[a-z0-9_-]+)""")]
    private static partial Regex ToolCall();

    [GeneratedRegex(@"apt-get install (?<packages>[^&;|]+)")]
    private static partial Regex AptInstall();
}
