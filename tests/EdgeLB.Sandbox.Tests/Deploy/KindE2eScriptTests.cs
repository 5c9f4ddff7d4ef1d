using System.Diagnostics;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// hack/kind-e2e.sh cannot run here (no container engine); what can be checked is that it refuses to
/// start, clearly and with exit code 2, when a tool it needs is missing.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class KindE2eScriptTests : IDisposable
{
    private readonly string _bin = Path.Combine(Path.GetTempPath(), "edgelb-kind-path-" + Guid.NewGuid().ToString("N")[..8]);

    public KindE2eScriptTests()
    {
        // A PATH with only what the script needs before its checks, plus whatever a test adds.
        Directory.CreateDirectory(_bin);
        File.CreateSymbolicLink(Path.Combine(_bin, "dirname"), "/usr/bin/dirname");
    }

    public void Dispose() => Directory.Delete(_bin, recursive: true);

    [Fact]
    public async Task WithoutDocker_ExitsTwo_NamingDocker()
    {
        var (code, stderr) = await RunAsync();
        Assert.Equal(2, code);
        Assert.Contains("'docker' is not installed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithDockerButWithoutKind_ExitsTwo_NamingKind()
    {
        FakeTool("docker");
        var (code, stderr) = await RunAsync();
        Assert.Equal(2, code);
        Assert.Contains("'kind' is not installed", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithEveryToolButNoDockerDaemon_ExitsTwo_SayingSo()
    {
        foreach (var tool in new[] { "kind", "kubectl", "dotnet" })
        {
            FakeTool(tool);
        }

        // `docker info` fails, as it does without a reachable daemon.
        FakeTool("docker", exitCode: 1);
        var (code, stderr) = await RunAsync();
        Assert.Equal(2, code);
        Assert.Contains("daemon is not reachable", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadsTheImageTheManifestsRun()
    {
        var script = File.ReadAllText(Path.Combine(RepoFiles.Root, "hack/kind-e2e.sh"));
        var line = Assert.Single(script.Split('\n'), l => l.StartsWith("image=", StringComparison.Ordinal));
        var images = RepoFiles.Load("controller.yaml").Concat(RepoFiles.Load("speaker.yaml"))
            .Where(o => RepoFiles.Kind(o) is "Deployment" or "DaemonSet")
            .SelectMany(w => w["spec"]!["template"]!["spec"]!["containers"]!.AsArray())
            .Select(c => (string?)c!["image"])
            .Distinct()
            .ToList();
        Assert.Equal([line["image=".Length..]], images);
    }

    private void FakeTool(string name, int exitCode = 0)
    {
        var path = Path.Combine(_bin, name);
        File.WriteAllText(path, $"#!/bin/sh\nexit {exitCode}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.UserWrite);
    }

    private async Task<(int Code, string Stderr)> RunAsync()
    {
        var start = new ProcessStartInfo("/bin/bash")
        {
            ArgumentList = { Path.Combine(RepoFiles.Root, "hack/kind-e2e.sh") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PATH"] = _bin;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await stdout;
        return (process.ExitCode, await stderr);
    }
}
