using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EdgeLB.Sandbox.ApiServer;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Sandbox.Tests.ApiServer;

public sealed class TlsTests
{
    [Fact]
    public async Task Https_ServesHttp2_WithTheGivenCertificate()
    {
        using var certificate = SelfSigned();
        await using var server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { Certificate = certificate });
        Assert.Equal("https", server.BaseAddress.Scheme);
        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString(),
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    [KubectlFact]
    public async Task Kubectl_TrustsTheCertificateAndSendsTheTokenFromTheWrittenKubeconfig()
    {
        using var certificate = SelfSigned();
        // kubectl sends bearer tokens only over TLS, so authentication is proven here.
        await using var server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { Certificate = certificate, RequireAuthentication = true });
        var dir = Path.Combine(Path.GetTempPath(), "edgelb-tls-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var kubeconfig = server.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
            var output = await ProcessRunner.RunAsync(KubectlFactAttribute.Path, ["--kubeconfig", kubeconfig, "get", "namespaces"]);
            Assert.Contains("kube-system", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static X509Certificate2 SelfSigned() => SelfSignedCertificate.Create(IPAddress.Loopback);
}
