using System.Security.Cryptography;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>Configuration for a process running in a Pod, from the service-account volume.</summary>
public static class InClusterConfig
{
    public static KubernetesClientConfiguration Load(InClusterOptions? options = null)
    {
        options ??= new InClusterOptions();
        var host = options.Environment("KUBERNETES_SERVICE_HOST");
        var port = options.Environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubeConfigException("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set");
        }

        if (!int.TryParse(port, out var portNumber) || portNumber is < 1 or > 65535)
        {
            throw new KubeConfigException($"in-cluster: KUBERNETES_SERVICE_PORT \"{port}\" is not a port number");
        }

        // An IPv6 service address must be bracketed in a URL.
        var authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host;
        if (!Uri.TryCreate($"https://{authority}:{portNumber}", UriKind.Absolute, out var server))
        {
            throw new KubeConfigException($"in-cluster: KUBERNETES_SERVICE_HOST \"{host}\" is not a host name or address");
        }

        var dir = options.ServiceAccountDirectory;
        var tokenPath = Path.Combine(dir, "token");
        var caPath = Path.Combine(dir, "ca.crt");
        var nsPath = Path.Combine(dir, "namespace");
        if (!File.Exists(tokenPath))
        {
            throw new KubeConfigException($"in-cluster: token file {tokenPath} not found");
        }

        if (!File.Exists(caPath))
        {
            throw new KubeConfigException($"in-cluster: CA file {caPath} not found");
        }

        System.Security.Cryptography.X509Certificates.X509Certificate2Collection ca;
        try
        {
            ca = PemCertificates.LoadBundle(File.ReadAllText(caPath));
        }
        catch (CryptographicException ex)
        {
            throw new KubeConfigException($"in-cluster: CA file {caPath}: {ex.Message}", ex);
        }

        var ns = File.Exists(nsPath) ? File.ReadAllText(nsPath).Trim() : "";
        var time = options.Time ?? TimeProvider.System;
        var tokens = new TokenFileCredentialProvider(tokenPath, time, options.TokenRefreshInterval, KubernetesClientConfiguration.OrNull(options.Logger));

        // Read once now so a broken mount fails at startup, not at the first request.
        _ = tokens.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return new KubernetesClientConfiguration
        {
            Server = server,
            Namespace = ns.Length > 0 ? ns : "default",
            CertificateAuthority = ca,
            Source = "in-cluster",
            Credentials = tokens,
        };
    }
}
