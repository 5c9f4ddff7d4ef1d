using System.Security.Cryptography.X509Certificates;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>What a request authenticates with: a bearer token, a client certificate, or basic credentials.</summary>
internal sealed record Credential(string? BearerToken, X509Certificate2? ClientCertificate, string? BasicAuth = null)
{
    public static Credential None { get; } = new(null, null);
}
