using System.Security.Cryptography.X509Certificates;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>A refreshing token together with a fixed client certificate.</summary>
internal sealed class CombinedCredentialProvider(ICredentialProvider tokens, X509Certificate2 certificate) : ICredentialProvider
{
    public bool CanRefresh => tokens.CanRefresh;

    public async ValueTask<Credential> GetAsync(CancellationToken cancellationToken) =>
        (await tokens.GetAsync(cancellationToken)) with { ClientCertificate = certificate };

    public void Invalidate() => tokens.Invalidate();
}
