using System.Net;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Sandbox.ApiServer;
using EdgeLB.Sandbox.Lab;
using Xunit.Abstractions;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// KubernetesClient does not read <c>tokenFile</c>, so kubectl referees it: against the in-memory API
/// server over TLS with authentication required, EdgeLB must authenticate with the same kubeconfigs
/// kubectl authenticates with, and fail where kubectl fails.
/// </summary>
public sealed class TokenFileKubectlTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new();
    private InMemoryApiServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { Certificate = SelfSignedCertificate.Create(IPAddress.Loopback), RequireAuthentication = true });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [KubectlTheory]
    [InlineData("valid", null)]
    [InlineData(null, "valid")]
    [InlineData("bogus", "valid")]
    [InlineData("valid", "bogus")]
    public async Task EdgeLBAuthenticatesExactlyWhenKubectlDoes(string? file, string? inline)
    {
        var token = _server.IssueToken("edgelb-admin", "kube-system");
        string Token(string which) => which == "valid" ? token : "not-a-token";

        var written = _server.WriteKubeconfig(Path.Combine(_dir.Path, "base"));
        var lines = File.ReadAllLines(written).Where(l => !l.TrimStart().StartsWith("token:", StringComparison.Ordinal)).ToList();
        var user = lines.FindIndex(l => l.Trim() == "user:"); // the one user's body; contexts say "user: <name>"
        if (file is not null)
        {
            _dir.Write("token", Token(file) + "\n");
            lines.Insert(++user, "    tokenFile: token");
        }

        if (inline is not null)
        {
            lines.Insert(++user, $"    token: {Token(inline)}");
        }

        var path = _dir.Write("config", string.Join('\n', lines) + "\n");
        var (kubectlOk, kubectlOutput) = await new Kubectl(path).TryRunAsync("get", "namespaces");
        output.WriteLine($"kubectl: {(kubectlOk ? "ok" : "refused")}: {kubectlOutput.Trim()}");

        bool oursOk;
        try
        {
            using var client = new KubeApiClient(KubeConfigLoader.Load(new KubeConfigOptions { Path = path }), new KubeApiOptions { MaxRetryAttempts = 0 });
            await client.ListAsync(Resources.Namespaces, null);
            oursOk = true;
        }
        catch (Exception ex) when (ex is KubernetesUnauthorizedException or KubeConfigException)
        {
            output.WriteLine($"edgelb: {ex.Message}");
            oursOk = false;
        }

        Assert.Equal(kubectlOk, oursOk);
    }
}
