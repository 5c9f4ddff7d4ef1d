using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Tests.Fakes;

namespace EdgeLB.Kubernetes.Tests.Configuration;

public sealed class KubeConfigErrorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static string Config(string cluster = "    server: https://127.0.0.1:6443\n", string user = "    token: abc\n", string current = "current-context: c1\n", string contexts = "- name: c1\n  context:\n    cluster: k1\n    user: u1\n") =>
        "apiVersion: v1\nkind: Config\n" + current +
        "clusters:\n- name: k1\n  cluster:\n" + cluster +
        "users:\n- name: u1\n  user:\n" + user +
        "contexts:\n" + contexts;

    private KubeConfigException Fail(string yaml, string? context = null)
    {
        var path = _dir.Write("config", yaml);
        return Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Path = path, Context = context }));
    }

    private string File(string name = "config") => System.IO.Path.Combine(_dir.Path, name);

    [Fact]
    public void Load_ValidConfig_Succeeds()
    {
        var path = _dir.Write("config", Config());
        var config = KubeConfigLoader.Load(new KubeConfigOptions { Path = path });
        Assert.Equal(new Uri("https://127.0.0.1:6443"), config.Server);
        Assert.Equal("default", config.Namespace);
    }

    [Fact]
    public void Load_ClientKeyDataNotBase64_NamesFileAndField()
    {
        var cert = TestCertificates.B64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        var ex = Fail(Config(user: $"    client-certificate-data: {cert}\n    client-key-data: '%%%not-base64'\n"));
        Assert.Equal($"kubeconfig {File()}: users[0].user.client-key-data: not valid base64", ex.Message);
    }

    [Theory]
    [InlineData("clusters: [", "not valid YAML")]
    [InlineData("- just\n- a list\n", "expected a mapping at the top level")]
    [InlineData("", "is empty")]
    public void Load_BrokenFile_NamesFile(string yaml, string problem)
    {
        var ex = Fail(yaml);
        Assert.StartsWith($"kubeconfig {File()}: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesFile()
    {
        var path = File("nope");
        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Path = path }));
        Assert.Equal($"kubeconfig {path}: file not found", ex.Message);
    }

    [Fact]
    public void Load_NoCurrentContext_NamesField()
    {
        var ex = Fail(Config(current: ""));
        Assert.Equal($"kubeconfig {File()}: current-context: not set, and no context was named", ex.Message);
    }

    [Fact]
    public void Load_CurrentContextUnknown_NamesField()
    {
        var ex = Fail(Config(current: "current-context: nope\n"));
        Assert.Equal($"kubeconfig {File()}: current-context: no context named \"nope\"", ex.Message);
    }

    [Fact]
    public void Load_NamedContextUnknown_NamesContexts()
    {
        var ex = Fail(Config(), context: "other");
        Assert.Equal($"kubeconfig {File()}: contexts: no context named \"other\"", ex.Message);
    }

    [Fact]
    public void Load_ContextClusterUnknown_NamesField()
    {
        var ex = Fail(Config(contexts: "- name: c1\n  context:\n    cluster: k9\n    user: u1\n"));
        Assert.Equal($"kubeconfig {File()}: contexts[0].context.cluster: no cluster named \"k9\"", ex.Message);
    }

    [Fact]
    public void Load_ContextUserUnknown_NamesField()
    {
        var ex = Fail(Config(contexts: "- name: c1\n  context:\n    cluster: k1\n    user: u9\n"));
        Assert.Equal($"kubeconfig {File()}: contexts[0].context.user: no user named \"u9\"", ex.Message);
    }

    [Fact]
    public void Load_ContextWithoutCluster_NamesField()
    {
        var ex = Fail(Config(contexts: "- name: c1\n  context:\n    user: u1\n"));
        Assert.Equal($"kubeconfig {File()}: contexts[0].context.cluster: missing", ex.Message);
    }

    [Fact]
    public void Load_EntryWithoutName_NamesField()
    {
        var ex = Fail(Config(contexts: "- context:\n    cluster: k1\n"));
        Assert.Equal($"kubeconfig {File()}: contexts[0].name: missing", ex.Message);
    }

    [Fact]
    public void Load_ClustersNotAList_NamesField()
    {
        var ex = Fail("current-context: c1\nclusters: {a: b}\n");
        Assert.Equal($"kubeconfig {File()}: clusters: expected a list", ex.Message);
    }

    [Theory]
    [InlineData("    insecure-skip-tls-verify: true\n", "clusters[0].cluster.server: missing")]
    [InlineData("    server: not a url\n", "clusters[0].cluster.server: \"not a url\" is not an http(s) URL")]
    [InlineData("    server: ftp://x\n", "clusters[0].cluster.server: \"ftp://x\" is not an http(s) URL")]
    [InlineData("    server: https://x\n    certificate-authority-data: '!!!'\n", "clusters[0].cluster.certificate-authority-data: not valid base64")]
    [InlineData("    server: https://x\n    certificate-authority-data: aGVsbG8=\n", "clusters[0].cluster.certificate-authority-data: not a PEM certificate")]
    [InlineData("    server: https://x\n    insecure-skip-tls-verify: maybe\n", "clusters[0].cluster.insecure-skip-tls-verify: \"maybe\" is not true or false")]
    public void Load_BadCluster_NamesField(string cluster, string expected)
    {
        var ex = Fail(Config(cluster: cluster));
        Assert.StartsWith($"kubeconfig {File()}: {expected}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateAuthorityFileMissing_NamesFieldAndPath()
    {
        var ex = Fail(Config(cluster: "    server: https://x\n    certificate-authority: certs/ca.crt\n"));
        Assert.StartsWith($"kubeconfig {File()}: clusters[0].cluster.certificate-authority: cannot read {System.IO.Path.Combine(_dir.Path, "certs/ca.crt")}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InsecureWithCa_NamesField()
    {
        using var ca = TestCertificates.CreateCa();
        var ex = Fail(Config(cluster: $"    server: https://x\n    insecure-skip-tls-verify: true\n    certificate-authority-data: {TestCertificates.B64(TestCertificates.CertPem(ca))}\n"));
        Assert.Equal($"kubeconfig {File()}: clusters[0].cluster.insecure-skip-tls-verify: cannot be true while a certificate authority is set", ex.Message);
    }

    [Fact]
    public void Load_ClientCertificateWithoutKey_NamesKeyField()
    {
        using var ca = TestCertificates.CreateCa();
        var ex = Fail(Config(user: $"    client-certificate-data: {TestCertificates.B64(TestCertificates.CertPem(ca))}\n"));
        Assert.Equal($"kubeconfig {File()}: users[0].user.client-key: missing; client-certificate needs a key", ex.Message);
    }

    [Fact]
    public void Load_KeyWithoutCertificate_NamesCertificateField()
    {
        using var ca = TestCertificates.CreateCa();
        var ex = Fail(Config(user: $"    client-key-data: {TestCertificates.B64(TestCertificates.KeyPem(ca))}\n"));
        Assert.Equal($"kubeconfig {File()}: users[0].user.client-certificate: missing; client-key needs a client certificate", ex.Message);
    }

    [Fact]
    public void Load_KeyNotMatchingCertificate_NamesKeyField()
    {
        using var a = TestCertificates.CreateCa("a");
        using var b = TestCertificates.CreateCa("b");
        var ex = Fail(Config(user: $"    client-certificate-data: {TestCertificates.B64(TestCertificates.CertPem(a))}\n    client-key-data: {TestCertificates.B64(TestCertificates.KeyPem(b))}\n"));
        Assert.StartsWith($"kubeconfig {File()}: users[0].user.client-key-data: does not match the client certificate", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CertificateDataNotPem_NamesField()
    {
        using var a = TestCertificates.CreateCa("a");
        var ex = Fail(Config(user: $"    client-certificate-data: aGVsbG8=\n    client-key-data: {TestCertificates.B64(TestCertificates.KeyPem(a))}\n"));
        Assert.Equal($"kubeconfig {File()}: users[0].user.client-certificate-data: not a PEM certificate", ex.Message);
    }

    [Fact]
    public void Load_ClientCertificateFileMissing_NamesField()
    {
        var ex = Fail(Config(user: "    client-certificate: client.crt\n    client-key: client.key\n"));
        Assert.StartsWith($"kubeconfig {File()}: users[0].user.client-certificate: cannot read {System.IO.Path.Combine(_dir.Path, "client.crt")}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("    token: a\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n", "users[0].user: more than one of token, tokenFile, username/password and exec is set")]
    [InlineData("    auth-provider:\n      name: gcp\n", "users[0].user.auth-provider: auth-provider plugins are not supported; use an exec plugin")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1alpha1\n      command: x\n", "users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported; use client.authentication.k8s.io/v1")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n", "users[0].user.exec.command: missing")]
    [InlineData("    exec:\n      command: x\n", "users[0].user.exec.apiVersion: missing")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n      interactiveMode: Sometimes\n", "users[0].user.exec.interactiveMode: \"Sometimes\" is not Never, IfAvailable or Always")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n      env:\n      - value: y\n", "users[0].user.exec.env[0].name: missing")]
    [InlineData("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: x\n      args: {a: b}\n", "users[0].user.exec.args: expected a list")]
    public void Load_BadUser_NamesField(string user, string expected)
    {
        var ex = Fail(Config(user: user));
        Assert.Equal($"kubeconfig {File()}: {expected}", ex.Message);
    }

    [Fact]
    public void Load_TokenFileMissing_NamesFieldAndPath()
    {
        var ex = Fail(Config(user: "    tokenFile: tokens/t\n"));
        Assert.Equal($"kubeconfig {File()}: users[0].user.tokenFile: file {System.IO.Path.Combine(_dir.Path, "tokens/t")} not found", ex.Message);
    }

    [Fact]
    public void Load_KubeconfigEnvListsNoExistingFile_Fails()
    {
        var env = $"{File("a")}:{File("b")}";
        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Environment = n => n == "KUBECONFIG" ? env : null }));
        Assert.Equal($"kubeconfig {env}: no file in $KUBECONFIG exists", ex.Message);
    }

    [Fact]
    public void Load_NoHomeNoEnv_Fails()
    {
        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Environment = _ => null }));
        Assert.Contains("~/.kube/config", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HomeWithoutConfig_NamesDefaultPath()
    {
        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Environment = n => n == "HOME" ? _dir.Path : null }));
        Assert.Equal($"kubeconfig {System.IO.Path.Combine(_dir.Path, ".kube", "config")}: file not found", ex.Message);
    }

    [Fact]
    public void Load_ErrorInSecondFileOfList_NamesThatFile()
    {
        var first = _dir.Write("a", "current-context: c1\n");
        var second = _dir.Write("b", Config(user: "    tokenFile: missing-token\n", current: ""));
        var ex = Assert.Throws<KubeConfigException>(() => KubeConfigLoader.Load(new KubeConfigOptions { Environment = n => n == "KUBECONFIG" ? $"{first}:{second}" : null }));
        Assert.Equal($"kubeconfig {second}: users[0].user.tokenFile: file {System.IO.Path.Combine(_dir.Path, "missing-token")} not found", ex.Message);
    }
}
