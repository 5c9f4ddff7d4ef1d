using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Testing;

namespace EdgeLB.Kubernetes.Tests.Configuration;

public sealed class InClusterConfigTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private InClusterOptions Options(string host, string port, TimeProvider? time = null) => new()
    {
        ServiceAccountDirectory = _dir.Path,
        Environment = n => n switch
        {
            "KUBERNETES_SERVICE_HOST" => host,
            "KUBERNETES_SERVICE_PORT" => port,
            _ => null,
        },
        Time = time,
    };

    private void WriteAccount(string caPem, string token = "sa-token", string? ns = "edgelb-system")
    {
        _dir.Write("token", token);
        _dir.Write("ca.crt", caPem);
        if (ns is not null)
        {
            _dir.Write("namespace", ns + "\n");
        }
    }

    [Fact]
    public void Load_Ipv6Host_IsBracketed()
    {
        using var ca = TestCertificates.CreateCa();
        WriteAccount(TestCertificates.CertPem(ca));
        var config = InClusterConfig.Load(Options("fd00:10:96::1", "443"));
        Assert.Equal("https://[fd00:10:96::1]/", config.Server.ToString());
        Assert.Equal("edgelb-system", config.Namespace);
    }

    [Fact]
    public void Load_NoNamespaceFile_UsesDefault()
    {
        using var ca = TestCertificates.CreateCa();
        WriteAccount(TestCertificates.CertPem(ca), ns: null);
        Assert.Equal("default", InClusterConfig.Load(Options("198.19.0.1", "6443")).Namespace);
    }

    [Theory]
    [InlineData("", "443", "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set")]
    [InlineData("198.19.0.1", "https", "KUBERNETES_SERVICE_PORT \"https\" is not a port number")]
    public void Load_BadEnvironment_Fails(string host, string port, string problem)
    {
        var ex = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Options(host, port)));
        Assert.Equal("in-cluster: " + problem, ex.Message);
    }

    [Fact]
    public void Load_NoToken_NamesFile()
    {
        var ex = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Options("198.19.0.1", "443")));
        Assert.Equal($"in-cluster: token file {Path.Combine(_dir.Path, "token")} not found", ex.Message);
    }

    [Fact]
    public void Load_BadCa_NamesFile()
    {
        WriteAccount("garbage");
        var ex = Assert.Throws<KubeConfigException>(() => InClusterConfig.Load(Options("198.19.0.1", "443")));
        Assert.StartsWith($"in-cluster: CA file {Path.Combine(_dir.Path, "ca.crt")}: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotatedToken_IsUsedAfterAMinute_AndCaIsTrusted()
    {
        using var ca = TestCertificates.CreateCa();
        await using var server = await FakeApiServer.StartAsync(TestCertificates.CreateSigned(ca, "kubernetes", server: true));
        server.Put("v1/nodes", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
        WriteAccount(TestCertificates.CertPem(ca), token: "one");
        var clock = new ManualTimeProvider();
        var config = InClusterConfig.Load(Options("127.0.0.1", server.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), clock));
        using var client = new KubeApiClient(config, time: clock);

        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer one", server.LastAuthorization);

        _dir.Write("token", "two");
        clock.Advance(TimeSpan.FromSeconds(30));
        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer one", server.LastAuthorization);

        clock.Advance(TimeSpan.FromSeconds(31));
        await client.GetAsync(Resources.Nodes, null, "n1");
        Assert.Equal("Bearer two", server.LastAuthorization);
    }
}
