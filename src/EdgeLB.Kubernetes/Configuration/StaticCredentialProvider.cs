namespace EdgeLB.Kubernetes.Configuration;

/// <summary>Credentials fixed in the kubeconfig.</summary>
internal sealed class StaticCredentialProvider(Credential credential) : ICredentialProvider
{
    public bool CanRefresh => false;

    public ValueTask<Credential> GetAsync(CancellationToken cancellationToken) => ValueTask.FromResult(credential);

    public void Invalidate()
    {
    }
}
