using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>How to reach and authenticate to one API server: from a kubeconfig or from inside a Pod.</summary>
public sealed class KubernetesClientConfiguration
{
    /// <summary>The API server's base address, e.g. https://198.19.0.1:443.</summary>
    public required Uri Server { get; init; }

    /// <summary>The default namespace (the context's, or the Pod's own); "default" when none is set.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>CA certificates to trust as roots for the server; null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthority { get; init; }

    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>Overrides the name the server certificate is checked against (tls-server-name).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>Where this configuration came from, for logs ("in-cluster", "kubeconfig /x (context c)").</summary>
    public string Source { get; init; } = "";

    internal ICredentialProvider Credentials { get; init; } = new StaticCredentialProvider(Credential.None);

    /// <summary>A bearer-token configuration, e.g. for tests against a local server.</summary>
    public static KubernetesClientConfiguration ForServer(Uri server, string? bearerToken = null, string @namespace = "default") =>
        new()
        {
            Server = server,
            Namespace = @namespace,
            Source = server.ToString(),
            Credentials = new StaticCredentialProvider(new Credential(bearerToken, null)),
        };

    /// <summary>
    /// In-cluster when KUBERNETES_SERVICE_HOST is set and no kubeconfig is asked for; otherwise the
    /// kubeconfig (explicit path, $KUBECONFIG, ~/.kube/config).
    /// </summary>
    public static KubernetesClientConfiguration Load(string? kubeConfigPath = null, string? context = null, ILogger? logger = null, TimeProvider? time = null)
    {
        if (kubeConfigPath is null && context is null &&
            !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBERNETES_SERVICE_HOST")) &&
            string.IsNullOrEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")))
        {
            return InClusterConfig.Load(new InClusterOptions { Logger = logger, Time = time });
        }

        return KubeConfigLoader.Load(new KubeConfigOptions { Path = kubeConfigPath, Context = context, Logger = logger, Time = time });
    }

    /// <summary>
    /// The bearer token this configuration authenticates with (a kubeconfig token, token file or
    /// exec plugin; in a Pod its service-account token), or null when it uses none (client
    /// certificates, no credentials). Lets other EdgeLB endpoints accept the same credential.
    /// </summary>
    public async ValueTask<string?> GetBearerTokenAsync(CancellationToken cancellationToken = default) =>
        (await Credentials.GetAsync(cancellationToken)).BearerToken;

    /// <summary>
    /// A handler that does this configuration's TLS: CA roots, skip-verify, client certificates
    /// (chosen per handshake, so rotated exec-plugin certificates are picked up on new connections).
    /// </summary>
    public HttpMessageHandler CreateHandler()
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        var ssl = handler.SslOptions;
        if (TlsServerName is not null)
        {
            ssl.TargetHost = TlsServerName;
        }

        ssl.RemoteCertificateValidationCallback = ValidateServerCertificate;
        ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => CurrentClientCertificate();
        return handler;
    }

    private X509Certificate2? CurrentClientCertificate()
    {
        // TLS handshakes are synchronous callbacks; exec plugins have run already by the time a request
        // reaches the socket (the client fetches credentials before sending), so this hits the cache.
        var task = Credentials.GetAsync(CancellationToken.None);
        return task.IsCompletedSuccessfully ? task.Result.ClientCertificate : task.AsTask().GetAwaiter().GetResult().ClientCertificate;
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (InsecureSkipTlsVerify)
        {
            return true;
        }

        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (CertificateAuthority is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(CertificateAuthority);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }

    internal static ILogger OrNull(ILogger? logger) => logger ?? NullLogger.Instance;
}
