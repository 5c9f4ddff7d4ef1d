using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// The binary hack/publish.sh produces (the one the image ships) starts and does its job outside a
/// container: the honest stand-in for `docker build` on machines without a container engine.
/// </summary>
public sealed partial class PublishTests(PublishedBinaryFixture published) : IClassFixture<PublishedBinaryFixture>
{
    [Fact]
    public async Task Help_ListsEverySubcommandTheSourceDefines()
    {
        // Every command Program.cs registers, named as its file under Commands/ names it.
        var commandsDir = Path.Combine(RepoFiles.Root, "src/EdgeLB/Commands");
        var commands = Registered().Matches(File.ReadAllText(Path.Combine(RepoFiles.Root, "src/EdgeLB/Program.cs")))
            .Select(m => CommandName().Match(File.ReadAllText(Path.Combine(commandsDir, m.Groups["class"].Value + ".cs"))))
            .Select(m => m.Success ? m.Groups["name"].Value : throw new InvalidDataException("a registered command whose name this test cannot find"))
            .ToList();
        Assert.Contains("controller", commands);

        var help = await Sandbox.Lab.ProcessRunner.RunAsync(published.Executable, ["--help"]);
        foreach (var command in commands)
        {
            Assert.Matches(new Regex($@"^\s+{Regex.Escape(command)}\s", RegexOptions.Multiline), help);
        }
    }

    [Fact]
    public void Published_IsOneNativeExecutable_ForTheDockerfilesRuntimeDepsImage()
    {
        // Self-contained and ahead-of-time compiled: no runtime configuration and no assemblies to load.
        Assert.False(File.Exists(Path.Combine(published.Directory, "edgelb.runtimeconfig.json")), "the publish is framework-dependent");
        Assert.Empty(System.IO.Directory.EnumerateFiles(published.Directory, "*.dll"));
        using (var binary = File.OpenRead(published.Executable))
        {
            Span<byte> magic = stackalloc byte[4];
            binary.ReadExactly(magic);
            Assert.True(magic.SequenceEqual("\u007fELF"u8), "edgelb is not an ELF executable");
        }

        var runtime = Dockerfile.Load().Stages[^1].From;
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:", runtime, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiServer_StartsFromThePublishedFolder_AndAnswersVersion()
    {
        var kubeconfig = Path.Combine(published.Directory, "api-server-kubeconfig");
        var start = new ProcessStartInfo(published.Executable)
        {
            ArgumentList = { "api-server", "--listen", "127.0.0.1:0", "--kubeconfig", kubeconfig },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,

            // Run from elsewhere, as the image does: nothing may depend on the working directory.
            WorkingDirectory = Path.GetTempPath(),
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Uri? address = null;
            while (address is null && await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                if (ListeningLine().Match(line) is { Success: true } m)
                {
                    address = new Uri(m.Groups["url"].Value);
                }
            }

            Assert.True(address is not null, $"the api-server never said where it listens; stderr: {(process.HasExited ? await stderr : "")}");
            using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            var version = await http.GetFromJsonAsync<JsonObject>("/version", timeout.Token);
            Assert.StartsWith("v1.", (string?)version!["gitVersion"], StringComparison.Ordinal);
            var namespaces = await http.GetFromJsonAsync<JsonObject>("/api/v1/namespaces", timeout.Token);
            Assert.Contains(namespaces!["items"]!.AsArray(), n => (string?)n!["metadata"]!["name"] == "default");
            Assert.True(File.Exists(kubeconfig), "the api-server did not write its kubeconfig");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }

            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"(new Command|\.Create<\w+>)\(""(?<name>[a-z][a-z-]*)""", RegexOptions.ExplicitCapture)]
    private static partial Regex CommandName();

    [GeneratedRegex(@"(?<class>\w+Command)\.Create\(\)", RegexOptions.ExplicitCapture)]
    private static partial Regex Registered();

    [GeneratedRegex(@"listening on (?<url>http://\S+)")]
    private static partial Regex ListeningLine();
}
