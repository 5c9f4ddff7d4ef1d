using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Testing;

namespace EdgeLB.Kubernetes.Tests.Configuration;

/// <summary>Each way a kubeconfig can authenticate, against a TLS server whose CA the test makes.</summary>
public sealed class KubeConfigAuthTests : IAsyncLifetime, IDisposable
{
    private readonly TempDir _dir = new();
    private readonly System.Security.Cryptography.X509Certificates.X509Certificate2 _ca = TestCertificates.CreateCa();
    private FakeApiServer _server = null!;

    public async Task InitializeAsync()
    {
        var serverCert = TestCertificates.CreateSigned(_ca, "apiserver", server: true);
        _server = await FakeApiServer.StartAsync(serverCert, requireClientCertificate: false);
        _server.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _dir.Dispose();
        _ca.Dispose();
    }

    private string CaData => TestCertificates.B64(TestCertificates.CertPem(_ca));

    private string Write(string user, string? cluster = null) => _dir.Write("kube/config", $"""
        apiVersion: v1
        kind: Config
        current-context: c1
        clusters:
        - name: k1
          cluster:
            server: {_server.BaseAddress}
        {cluster ?? $"    certificate-authority-data: {CaData}"}
        users:
        - name: u1
          user:
        {user}
        contexts:
        - name: c1
          context:
            cluster: k1
            user: u1
            namespace: shop
        """);

    private static async Task<string?> GetNodeNameAsync(KubernetesClientConfiguration config, TimeProvider? time = null)
    {
        using var client = new KubeApiClient(config, new KubeApiOptions { MaxRetryAttempts = 0 }, time: time);
        var node = await client.GetAsync(Resources.Nodes, null, "n1");
        return node.Metadata.Name;
    }

    [Fact]
    public async Task Token_WithCaData_AuthenticatesOverTls()
    {
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    token: secret-1") });
        Assert.Equal("shop", config.Namespace);
        Assert.Equal("n1", await GetNodeNameAsync(config));
        Assert.Equal("Bearer secret-1", _server.LastAuthorization);
    }

    [Fact]
    public async Task CertificateAuthorityFile_RelativeToConfig_IsTrusted()
    {
        _dir.Write("kube/pki/ca.crt", TestCertificates.CertPem(_ca));
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    token: t", "    certificate-authority: pki/ca.crt") });
        Assert.Equal("n1", await GetNodeNameAsync(config));
    }

    [Fact]
    public async Task NoCa_UntrustedServer_IsRejected()
    {
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    token: t", "    tls-server-name: localhost") });
        await Assert.ThrowsAsync<HttpRequestException>(() => GetNodeNameAsync(config));
    }

    [Fact]
    public async Task OtherCa_IsRejected()
    {
        using var other = TestCertificates.CreateCa("other");
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    token: t", $"    certificate-authority-data: {TestCertificates.B64(TestCertificates.CertPem(other))}") });
        await Assert.ThrowsAsync<HttpRequestException>(() => GetNodeNameAsync(config));
    }

    [Fact]
    public async Task InsecureSkipTlsVerify_AcceptsUntrustedServer()
    {
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    token: t", "    insecure-skip-tls-verify: true") });
        Assert.Equal("n1", await GetNodeNameAsync(config));
    }

    [Fact]
    public async Task ClientCertificateData_IsPresented()
    {
        await using var mtls = await FakeApiServer.StartAsync(TestCertificates.CreateSigned(_ca, "apiserver", server: true), requireClientCertificate: true);
        mtls.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
        using var client = TestCertificates.CreateSigned(_ca, "edgelb-controller", server: false);
        var path = _dir.Write("mtls", $$"""
            current-context: c1
            clusters:
            - name: k1
              cluster:
                server: {{mtls.BaseAddress}}
                certificate-authority-data: {{CaData}}
            users:
            - name: u1
              user:
                client-certificate-data: {{TestCertificates.B64(TestCertificates.CertPem(client))}}
                client-key-data: {{TestCertificates.B64(TestCertificates.KeyPem(client))}}
            contexts:
            - name: c1
              context: {cluster: k1, user: u1}
            """);
        Assert.Equal("n1", await GetNodeNameAsync(KubeConfigLoader.Load(new KubeConfigOptions { Path = path })));
        Assert.Equal("CN=edgelb-controller", mtls.LastClientCertificateSubject);
    }

    [Fact]
    public async Task ClientCertificateFiles_RelativeToConfig_ArePresented()
    {
        await using var mtls = await FakeApiServer.StartAsync(TestCertificates.CreateSigned(_ca, "apiserver", server: true), requireClientCertificate: true);
        mtls.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
        using var client = TestCertificates.CreateSigned(_ca, "from-files", server: false);
        _dir.Write("certs/client.crt", TestCertificates.CertPem(client));
        _dir.Write("certs/client.key", TestCertificates.KeyPem(client));
        var path = _dir.Write("files-config", $$"""
            current-context: c1
            clusters:
            - name: k1
              cluster:
                server: "{{mtls.BaseAddress}}"
                certificate-authority-data: {{CaData}}
            users:
            - name: u1
              user: {client-certificate: certs/client.crt, client-key: certs/client.key}
            contexts:
            - name: c1
              context: {cluster: k1, user: u1}
            """);
        Assert.Equal("n1", await GetNodeNameAsync(KubeConfigLoader.Load(new KubeConfigOptions { Path = path })));
        Assert.Equal("CN=from-files", mtls.LastClientCertificateSubject);
    }

    [Fact]
    public async Task BasicAuth_IsSent()
    {
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    username: admin\n    password: pw") });
        await GetNodeNameAsync(config);
        Assert.Equal("Basic " + Convert.ToBase64String("admin:pw"u8.ToArray()), _server.LastAuthorization);
    }

    [Fact]
    public async Task TokenFile_Rotation_IsPickedUpAfterRefreshInterval()
    {
        var tokenPath = _dir.Write("kube/token", "first\n");
        var clock = new ManualTimeProvider();
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    tokenFile: token"), Time = clock });
        await GetNodeNameAsync(config, clock);
        Assert.Equal("Bearer first", _server.LastAuthorization);

        File.WriteAllText(tokenPath, "second");
        await GetNodeNameAsync(config, clock);
        Assert.Equal("Bearer first", _server.LastAuthorization);

        clock.Advance(TimeSpan.FromSeconds(61));
        await GetNodeNameAsync(config, clock);
        Assert.Equal("Bearer second", _server.LastAuthorization);
    }

    [Fact]
    public async Task TokenFile_On401_IsReReadAndRequestRetried()
    {
        var tokenPath = _dir.Write("kube/token", "old");
        var clock = new ManualTimeProvider();
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    tokenFile: token"), Time = clock });
        await GetNodeNameAsync(config, clock);

        // The kubelet rotated the token and the server no longer accepts the old one; no time has passed.
        File.WriteAllText(tokenPath, "new");
        _server.AcceptedTokens = new HashSet<string>(StringComparer.Ordinal) { "new" };
        Assert.Equal("n1", await GetNodeNameAsync(config, clock));
        Assert.Equal("Bearer new", _server.LastAuthorization);
    }

    [Fact]
    public async Task Token_Refused_ThrowsUnauthorized()
    {
        _server.AcceptedTokens = new HashSet<string>(StringComparer.Ordinal) { "other" };
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = Write("    token: wrong") });
        await Assert.ThrowsAsync<KubernetesUnauthorizedException>(() => GetNodeNameAsync(config));
    }

    [Fact]
    public void KubeconfigList_FirstFileWins_AndNamedContextIsUsed()
    {
        var a = _dir.Write("a", """
            current-context: ctx-a
            clusters:
            - name: shared
              cluster: {server: "https://first.example:6443", insecure-skip-tls-verify: true}
            contexts:
            - name: ctx-a
              context: {cluster: shared, namespace: from-a}
            """);
        var b = _dir.Write("b", """
            current-context: ctx-b
            clusters:
            - name: shared
              cluster: {server: "https://second.example:6443"}
            - name: only-b
              cluster: {server: "https://b.example:6443"}
            contexts:
            - name: ctx-b
              context: {cluster: only-b, namespace: from-b}
            """);
        var env = $"{a}:{_dir.Path}/missing:{b}";
        var current = KubeConfigLoader.Load(new KubeConfigOptions { Environment = n => n == "KUBECONFIG" ? env : null });
        Assert.Equal("first.example", current.Server.Host);
        Assert.Equal("from-a", current.Namespace);
        Assert.True(current.InsecureSkipTlsVerify);

        var named = KubeConfigLoader.Load(new KubeConfigOptions { Context = "ctx-b", Environment = n => n == "KUBECONFIG" ? env : null });
        Assert.Equal("b.example", named.Server.Host);
        Assert.Equal("from-b", named.Namespace);
    }

    [Fact]
    public void HomeKubeConfig_IsUsedWhenNothingElseIsGiven()
    {
        _dir.Write("home/.kube/config", "current-context: c\nclusters:\n- name: k\n  cluster: {server: 'http://127.0.0.1:1'}\ncontexts:\n- name: c\n  context: {cluster: k}\n");
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Environment = n => n == "HOME" ? Path.Combine(_dir.Path, "home") : null });
        Assert.Equal(1, config.Server.Port);
    }
}
