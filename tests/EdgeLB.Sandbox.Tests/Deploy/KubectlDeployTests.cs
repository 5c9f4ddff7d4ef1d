using System.Text.RegularExpressions;
using EdgeLB.Sandbox.ApiServer;
using EdgeLB.Sandbox.Tests.ApiServer;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.Deploy;

/// <summary>The real kubectl renders deploy/ with its built-in kustomize and applies the samples.</summary>
public sealed class KubectlDeployTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgelb-deploy-" + Guid.NewGuid().ToString("N")[..8]);
    private InMemoryApiServer? _server;
    private string _kubeconfig = "";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        _server = await InMemoryApiServer.StartAsync();
        _kubeconfig = _server.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [KubectlFact]
    public async Task Kustomize_RendersEveryInstallObject()
    {
        var rendered = RepoFiles.Parse(await ProcessRunner.RunAsync(KubectlFactAttribute.Path, ["kustomize", RepoFiles.DeployDir], timeout: TimeSpan.FromSeconds(60)))
            .Select(o => $"{RepoFiles.Kind(o)} {RepoFiles.Namespace(o)}/{RepoFiles.Name(o)}")
            .Order(StringComparer.Ordinal)
            .ToList();

        var kustomization = Assert.Single(RepoFiles.Load("kustomization.yaml"));
        var expected = kustomization["resources"]!.AsArray()
            .SelectMany(r => RepoFiles.Load((string)r!))
            .Select(o => $"{RepoFiles.Kind(o)} {RepoFiles.Namespace(o)}/{RepoFiles.Name(o)}")
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(15, expected.Count);
        Assert.Equal(expected, rendered);
    }

    [KubectlFact]
    public async Task Samples_ApplyToTheApiServer_AndListAsPools()
    {
        var ns = await KubectlAsync("apply", "-f", Path.Combine(RepoFiles.DeployDir, "namespace.yaml"));
        Assert.Contains("namespace/edgelb-system created", ns, StringComparison.Ordinal);

        var applied = await KubectlAsync("apply", "-f", Path.Combine(RepoFiles.DeployDir, "samples"));
        Assert.Contains("ipaddresspool.edgelb.io/lan created", applied, StringComparison.Ordinal);
        Assert.Contains("l2advertisement.edgelb.io/lan created", applied, StringComparison.Ordinal);

        var pools = await KubectlAsync("get", "ipaddresspools", "-n", "edgelb-system");
        Assert.Matches(new Regex(@"^lan\s+true\s", RegexOptions.Multiline), pools);
        var addresses = await KubectlAsync("get", "ipaddresspool", "lan", "-n", "edgelb-system", "-o", "jsonpath={.spec.addresses}");
        Assert.Equal("""["198.18.10.240-198.18.10.250","2001:db8:10::/124"]""", addresses.Trim());

        // Applying again changes nothing.
        var again = await KubectlAsync("apply", "-f", Path.Combine(RepoFiles.DeployDir, "samples"));
        Assert.Contains("ipaddresspool.edgelb.io/lan unchanged", again, StringComparison.Ordinal);
    }

    private Task<string> KubectlAsync(params string[] args) =>
        ProcessRunner.RunAsync(KubectlFactAttribute.Path, ["--kubeconfig", _kubeconfig, .. args], timeout: TimeSpan.FromSeconds(60));
}
