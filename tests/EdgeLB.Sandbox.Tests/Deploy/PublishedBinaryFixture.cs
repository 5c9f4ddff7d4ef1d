using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>
/// Runs hack/publish.sh — the script the Dockerfile's build stage runs — once, into a temporary
/// folder, for every test that starts the published binary.
/// </summary>
public sealed class PublishedBinaryFixture : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "edgelb-publish-" + Guid.NewGuid().ToString("N")[..8]);

    public string Executable => Path.Combine(Directory, "edgelb");

    public string PublishOutput { get; private set; } = "";

    public async Task InitializeAsync() =>
        PublishOutput = await ProcessRunner.RunAsync("bash", [Path.Combine(RepoFiles.Root, "hack/publish.sh"), Directory], timeout: TimeSpan.FromMinutes(10));

    public Task DisposeAsync()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
