using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Tests.Fakes;
using Theirs = k8s.KubernetesClientConfiguration;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// The same kubeconfig files loaded by EdgeLB's loader and by KubernetesClient (the official C#
/// client, JIT-compiled here): both must end up with the same server, namespace, credentials and TLS
/// settings. Where KubernetesClient cannot read a kubeconfig that kubectl accepts, the test pins that
/// and checks EdgeLB against what kubectl would do instead.
/// </summary>
public sealed class KubeConfigRefereeTests : IDisposable
{
    private const string Server = "https://198.18.0.10:6443";
    private readonly TempDir _dir = new();
    private readonly X509Certificate2 _ca = TestCertificates.CreateCa();
    private readonly X509Certificate2 _otherCa = TestCertificates.CreateCa("edgelb-other-ca");
    private readonly X509Certificate2 _client;

    public KubeConfigRefereeTests()
    {
        _client = TestCertificates.CreateSigned(_ca, "edgelb-admin", server: false);
    }

    public void Dispose()
    {
        _dir.Dispose();
        _ca.Dispose();
        _otherCa.Dispose();
        _client.Dispose();
    }

    /// <summary>What a loaded configuration amounts to, in terms both clients can be asked about.</summary>
    private sealed record View(
        Uri Server,
        string Namespace,
        string? BearerToken,
        string? BasicAuth,
        string? ClientCertificate,
        string? ClientKey,
        string CertificateAuthorities,
        bool InsecureSkipTlsVerify,
        string? TlsServerName);

    public static TheoryData<string, string?> Corpus => new()
    {
        { "token-and-ca-data", null },
        { "client-certificate-and-key-files-with-ca-file", null },
        { "client-certificate-and-key-data-with-token", null },
        { "insecure-skip-tls-verify", null },
        { "tls-server-name-and-ca-bundle", null },
        { "basic-auth", null },
        { "exec-plugin-token-from-args-and-env", null },
        { "exec-plugin-client-certificate", null },
        { "several-contexts", null },
        { "several-contexts", "staging" },
        { "several-contexts", "prod-admin" },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task BothClients_LoadTheSameSettings(string name, string? context)
    {
        var path = Write(name);
        var ours = await OursAsync(path, context);
        var theirs = await TheirsAsync(path, context);

        Assert.Equal(theirs, ours);
        if (name.StartsWith("exec-plugin-token", StringComparison.Ordinal))
        {
            Assert.Equal("--audience|edgelb|web|eu-1", ours.BearerToken); // both passed every argument and variable
        }

        Assert.True(ours.BearerToken is not null || ours.BasicAuth is not null || ours.ClientCertificate is not null, "every case authenticates somehow");
    }

    [Fact]
    public async Task SeveralContexts_EachPicksItsOwnClusterUserAndNamespace()
    {
        // Guards the corpus: the contexts must really differ, or agreeing on them proves little.
        var path = Write("several-contexts");
        var current = await OursAsync(path, null);
        var staging = await OursAsync(path, "staging");
        var admin = await OursAsync(path, "prod-admin");

        Assert.Equal(("web", "prod-token"), (current.Namespace, current.BearerToken));
        Assert.Equal(("default", "staging-token"), (staging.Namespace, staging.BearerToken));
        Assert.Equal(new Uri("https://198.18.0.20:6443"), staging.Server);
        Assert.True(staging.InsecureSkipTlsVerify);
        Assert.Equal(("kube-system", null), (admin.Namespace, admin.BearerToken));
        Assert.NotNull(admin.ClientCertificate);
    }

    [Fact]
    public async Task TokenFile_KubernetesClientIgnoresIt_EdgeLBReadsItAsKubectlDoes()
    {
        // kubectl reads users[].user.tokenFile; KubernetesClient 21.0.8 has no such field and refuses
        // a user that has nothing else. EdgeLB follows kubectl.
        _dir.Write("kube/tokens/admin", "file-token\n");
        var path = WriteConfig(User("tokenFile: tokens/admin"), Cluster(Server, $"certificate-authority-data: {CaData(_ca)}"));

        var ours = await OursAsync(path, null);
        Assert.Equal("file-token", ours.BearerToken);

        var ex = Assert.ThrowsAny<Exception>(() => Theirs.BuildConfigFromConfigFile(path));
        Assert.Contains("credentials", ex.Message, StringComparison.OrdinalIgnoreCase);

        // With a token beside it, KubernetesClient uses the token; kubectl and EdgeLB read the file
        // (TokenFileKubectlTests shows kubectl doing so against a server).
        var both = WriteConfig(User("token: inline-token", "tokenFile: tokens/admin"), Cluster(Server, $"certificate-authority-data: {CaData(_ca)}"));
        Assert.Equal("inline-token", Theirs.BuildConfigFromConfigFile(both).AccessToken);
        Assert.Equal("file-token", (await OursAsync(both, null)).BearerToken);
    }

    private static async Task<View> OursAsync(string path, string? context)
    {
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = path, Context = context, Environment = _ => null });
        var credential = await config.Credentials.GetAsync(CancellationToken.None);
        return new View(
            config.Server,
            config.Namespace,
            credential.BearerToken,
            credential.BasicAuth,
            credential.ClientCertificate?.Thumbprint,
            KeyId(credential.ClientCertificate),
            Thumbprints(config.CertificateAuthority),
            config.InsecureSkipTlsVerify,
            config.TlsServerName);
    }

    private static async Task<View> TheirsAsync(string path, string? context)
    {
        var config = Theirs.BuildConfigFromConfigFile(path, context);
        var token = config.AccessToken;
        if (config.TokenProvider is { } provider)
        {
            token = (await provider.GetAuthenticationHeaderAsync(CancellationToken.None)).Parameter;
        }

        string? basic = null;
        if (!string.IsNullOrEmpty(config.Username))
        {
            basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{config.Username}:{config.Password}"));
        }

        using var certificate = ClientCertificateOf(config);
        return new View(
            new Uri(config.Host),
            string.IsNullOrEmpty(config.Namespace) ? "default" : config.Namespace, // kubectl's default too
            string.IsNullOrEmpty(token) ? null : token,
            basic,
            certificate?.Thumbprint,
            KeyId(certificate),
            Thumbprints(config.SslCaCerts),
            config.SkipTlsVerify,
            string.IsNullOrEmpty(config.TlsServerName) ? null : config.TlsServerName);
    }

    /// <summary>
    /// The certificate KubernetesClient's own HTTP handler would present: its internal
    /// <c>CertUtils.GetClientCert</c>, which the <c>Kubernetes</c> constructor calls.
    /// </summary>
    private static X509Certificate2? ClientCertificateOf(Theirs config)
    {
        var method = typeof(Theirs).Assembly.GetType("k8s.CertUtils", throwOnError: true)!
            .GetMethod("GetClientCert", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)
            ?? throw new InvalidOperationException("KubernetesClient no longer has CertUtils.GetClientCert");
        return (X509Certificate2?)method.Invoke(null, [config]);
    }

    /// <summary>The public half of the loaded private key: equal only if both loaded the same key.</summary>
    private static string? KeyId(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        Assert.True(certificate.HasPrivateKey, "a client certificate without its key cannot authenticate");
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("expected an EC key");
        return Convert.ToHexString(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    private static string Thumbprints(X509Certificate2Collection? certificates) =>
        certificates is null ? "" : string.Join(',', certificates.Select(c => c.Thumbprint).Order(StringComparer.Ordinal));

    private static string CaData(params X509Certificate2[] cas) =>
        TestCertificates.B64(string.Join('\n', cas.Select(TestCertificates.CertPem)));

    private static string Cluster(string server, params string[] fields) =>
        string.Concat(fields.Select(f => $"\n      {f}")).Insert(0, $"\n      server: {server}");

    private static string User(params string[] fields) => string.Concat(fields.Select(f => $"\n      {f}"));

    private string WriteConfig(string user, string cluster, string @namespace = "") => _dir.Write($"kube/{Guid.NewGuid():N}", $"""
        apiVersion: v1
        kind: Config
        current-context: main
        clusters:
        - name: main
          cluster:{cluster}
        users:
        - name: main
          user:{user}
        contexts:
        - name: main
          context:
            cluster: main
            user: main{@namespace}
        """);

    private string Plugin(string name, string body)
    {
        var path = _dir.Write($"bin/{name}", "#!/bin/sh\n" + body + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return path;
    }

    private string Write(string name)
    {
        var caData = $"certificate-authority-data: {CaData(_ca)}";
        var certData = $"client-certificate-data: {TestCertificates.B64(TestCertificates.CertPem(_client))}";
        var keyData = $"client-key-data: {TestCertificates.B64(TestCertificates.KeyPem(_client))}";
        switch (name)
        {
            case "token-and-ca-data":
                return WriteConfig(User("token: ca-data-token"), Cluster(Server, caData), "\n    namespace: shop");
            case "client-certificate-and-key-files-with-ca-file":
                _dir.Write("kube/pki/ca.crt", TestCertificates.CertPem(_ca));
                _dir.Write("kube/pki/admin.crt", TestCertificates.CertPem(_client));
                _dir.Write("kube/pki/admin.key", TestCertificates.KeyPem(_client));
                return WriteConfig(User("client-certificate: pki/admin.crt", "client-key: pki/admin.key"), Cluster(Server, "certificate-authority: pki/ca.crt"));
            case "client-certificate-and-key-data-with-token":
                return WriteConfig(User(certData, keyData, "token: beside-the-certificate"), Cluster(Server, caData), "\n    namespace: edge");
            case "insecure-skip-tls-verify":
                return WriteConfig(User("token: insecure-token"), Cluster(Server, "insecure-skip-tls-verify: true"));
            case "tls-server-name-and-ca-bundle":
                return WriteConfig(
                    User("token: sni-token"),
                    Cluster("https://198.18.0.11:443", $"certificate-authority-data: {CaData(_ca, _otherCa)}", "tls-server-name: api.edgelb.test"));
            case "basic-auth":
                return WriteConfig(User("username: admin", "password: \"s3cret:with-colon\""), Cluster(Server, caData));
            case "exec-plugin-token-from-args-and-env":
            {
                // The token is made of what the plugin received, so a lost argument or variable shows.
                var plugin = Plugin("token-plugin", """
                    printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s|%s|%s|%s"}}' "$1" "$2" "$PLUGIN_TEAM" "$PLUGIN_REGION"
                    """);
                return WriteConfig(
                    User(
                        "exec:",
                        "  apiVersion: client.authentication.k8s.io/v1",
                        $"  command: {plugin}",
                        "  args: [--audience, edgelb]",
                        "  env:",
                        "  - {name: PLUGIN_TEAM, value: web}",
                        "  - {name: PLUGIN_REGION, value: eu-1}",
                        "  interactiveMode: Never"),
                    Cluster(Server, caData));
            }

            case "exec-plugin-client-certificate":
            {
                var cert = TestCertificates.CertPem(_client).ReplaceLineEndings("\\n");
                var key = TestCertificates.KeyPem(_client).ReplaceLineEndings("\\n");
                var plugin = Plugin("cert-plugin", $$$"""
                    printf '%s' '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"{{{cert}}}","clientKeyData":"{{{key}}}"}}'
                    """);
                return WriteConfig(
                    User("exec:", "  apiVersion: client.authentication.k8s.io/v1beta1", $"  command: {plugin}", "  interactiveMode: Never"),
                    Cluster(Server, caData));
            }

            case "several-contexts":
                _dir.Write("kube/pki/admin.crt", TestCertificates.CertPem(_client));
                _dir.Write("kube/pki/admin.key", TestCertificates.KeyPem(_client));
                return _dir.Write($"kube/{Guid.NewGuid():N}", $"""
                    apiVersion: v1
                    kind: Config
                    preferences: {"{}"}
                    clusters:
                    - name: prod
                      cluster:
                        server: {Server}
                        {caData}
                    - name: staging
                      cluster:
                        server: https://198.18.0.20:6443
                        insecure-skip-tls-verify: true
                    users:
                    - name: prod-deployer
                      user:
                        token: prod-token
                    - name: staging-deployer
                      user:
                        token: staging-token
                    - name: prod-admin
                      user:
                        client-certificate: pki/admin.crt
                        client-key: pki/admin.key
                    contexts:
                    - name: staging
                      context: {"{"}cluster: staging, user: staging-deployer{"}"}
                    - name: prod
                      context: {"{"}cluster: prod, user: prod-deployer, namespace: web{"}"}
                    - name: prod-admin
                      context: {"{"}cluster: prod, user: prod-admin, namespace: kube-system{"}"}
                    current-context: prod
                    """);
            default:
                throw new ArgumentOutOfRangeException(nameof(name), name, "no such case");
        }
    }
}
