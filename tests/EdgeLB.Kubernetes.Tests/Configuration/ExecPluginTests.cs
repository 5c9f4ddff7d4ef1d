using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Testing;

namespace EdgeLB.Kubernetes.Tests.Configuration;

/// <summary>client.authentication.k8s.io exec plugins, played by small shell scripts.</summary>
public sealed class ExecPluginTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new();
    private FakeApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _server.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    private string Plugin(string body)
    {
        var path = _dir.Write("bin/plugin.sh", "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private string Config(string command, string extra = "") => _dir.Write("config", $$"""
        current-context: c1
        clusters:
        - name: k1
          cluster: {server: "{{_server.BaseAddress}}"}
        users:
        - name: u1
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1
              command: {{command}}
              args: [--audience, edgelb]
              env:
              - name: PLUGIN_GREETING
                value: hello
              provideClusterInfo: true
        {{extra}}
        contexts:
        - name: c1
          context: {cluster: k1, user: u1}
        """);

    private const string Counting = """
        n=$(cat "$(dirname "$0")/runs" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$(dirname "$0")/runs"
        echo "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/exec-info"
        echo "$PLUGIN_GREETING $*" > "$(dirname "$0")/args"
        """;

    [Fact]
    public async Task Token_IsCachedUntilExpiry_ThenPluginRunsAgain()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Plugin(Counting + """

            echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"tok-$n\",\"expirationTimestamp\":\"2026-01-01T00:10:00Z\"}}"
            """);
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Config("bin/plugin.sh"), Time = clock });
        using var client = new KubeApiClient(config, time: clock);

        await client.GetAsync(Resources.Nodes, null, "n1");
        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer tok-1", _server.LastAuthorization);
        Assert.Equal("1", File.ReadAllText(Path.Combine(_dir.Path, "bin/runs")).Trim());

        clock.Advance(TimeSpan.FromMinutes(11));
        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer tok-2", _server.LastAuthorization);

        var info = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir.Path, "bin/exec-info")))!;
        Assert.Equal("client.authentication.k8s.io/v1", info["apiVersion"]!.GetValue<string>());
        Assert.Equal("ExecCredential", info["kind"]!.GetValue<string>());
        Assert.False(info["spec"]!["interactive"]!.GetValue<bool>());
        Assert.Equal(_server.BaseAddress.ToString(), info["spec"]!["cluster"]!["server"]!.GetValue<string>());
        Assert.Equal("hello --audience edgelb", File.ReadAllText(Path.Combine(_dir.Path, "bin/args")).Trim());
    }

    [Fact]
    public async Task Token_RefusedWith401_PluginRunsAgain()
    {
        Plugin(Counting + """

            echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"tok-$n\"}}"
            """);
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Config("bin/plugin.sh") });
        using var client = new KubeApiClient(config);
        await client.GetAsync(Resources.Nodes, null, "n1");
        _server.AcceptedTokens = new HashSet<string>(StringComparer.Ordinal) { "tok-2" };
        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer tok-2", _server.LastAuthorization);
    }

    [Fact]
    public async Task V1Beta1Plugin_IsAccepted()
    {
        Plugin("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"beta\"}}'");
        var path = Config("bin/plugin.sh").Replace("client.authentication.k8s.io/v1\n", "client.authentication.k8s.io/v1beta1\n", StringComparison.Ordinal);
        File.WriteAllText(path, File.ReadAllText(path).Replace("client.authentication.k8s.io/v1\n", "client.authentication.k8s.io/v1beta1\n", StringComparison.Ordinal));
        using var client = new KubeApiClient(KubeConfigLoader.Load(new KubeConfigOptions { Path = path }));
        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer beta", _server.LastAuthorization);
    }

    [Fact]
    public async Task ClientCertificate_FromPlugin_IsPresented()
    {
        using var ca = TestCertificates.CreateCa();
        using var client = TestCertificates.CreateSigned(ca, "from-plugin", server: false);
        await using var mtls = await FakeApiServer.StartAsync(TestCertificates.CreateSigned(ca, "apiserver", server: true), requireClientCertificate: true);
        mtls.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
        var credential = new JsonObject
        {
            ["apiVersion"] = "client.authentication.k8s.io/v1",
            ["kind"] = "ExecCredential",
            ["status"] = new JsonObject { ["clientCertificateData"] = TestCertificates.CertPem(client), ["clientKeyData"] = TestCertificates.KeyPem(client) },
        };
        _dir.Write("bin/cred.json", credential.ToJsonString());
        Plugin("cat \"$(dirname \"$0\")/cred.json\"");
        var path = _dir.Write("config-mtls", $$"""
            current-context: c1
            clusters:
            - name: k1
              cluster:
                server: "{{mtls.BaseAddress}}"
                certificate-authority-data: {{TestCertificates.B64(TestCertificates.CertPem(ca))}}
            users:
            - name: u1
              user:
                exec: {apiVersion: client.authentication.k8s.io/v1, command: bin/plugin.sh}
            contexts:
            - name: c1
              context: {cluster: k1, user: u1}
            """);
        using var api = new KubeApiClient(KubeConfigLoader.Load(new KubeConfigOptions { Path = path }));
        await api.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("CN=from-plugin", mtls.LastClientCertificateSubject);
    }

    [Theory]
    [InlineData("echo 'no such audience' >&2; exit 3", "exited with code 3: no such audience")]
    [InlineData("echo 'not json'", "plugin output is not JSON")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"x\"}}'", "plugin returned apiVersion \"client.authentication.k8s.io/v1beta1\", but the kubeconfig asks for \"client.authentication.k8s.io/v1\"")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"}'", "plugin output has no status")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{}}'", "plugin status has neither a token nor a client certificate")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"x\",\"expirationTimestamp\":\"soon\"}}'", "plugin status.expirationTimestamp \"soon\" is not an RFC 3339 time")]
    [InlineData("echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"x\"}}'", "plugin status needs both clientCertificateData and clientKeyData")]
    public async Task BrokenPlugin_ErrorNamesFileAndField(string body, string problem)
    {
        Plugin(body);
        var path = Config("bin/plugin.sh");
        using var client = new KubeApiClient(KubeConfigLoader.Load(new KubeConfigOptions { Path = path }));
        var ex = await Assert.ThrowsAsync<KubeConfigException>(() => client.GetAsync(Resources.Nodes, null, "n1"));
        Assert.StartsWith($"kubeconfig {path}: users[0].user.exec: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingCommand_ErrorCarriesInstallHint()
    {
        var path = Config("no-such-plugin-anywhere", "      installHint: install it from example.test");
        using var client = new KubeApiClient(KubeConfigLoader.Load(new KubeConfigOptions { Path = path }));
        var ex = await Assert.ThrowsAsync<KubeConfigException>(() => client.GetAsync(Resources.Nodes, null, "n1"));
        Assert.StartsWith($"kubeconfig {path}: users[0].user.exec: command no-such-plugin-anywhere: cannot run", ex.Message, StringComparison.Ordinal);
        Assert.Contains("install it from example.test", ex.Message, StringComparison.Ordinal);
    }
}
