namespace EdgeLB.Kubernetes.Configuration;

/// <summary>Supplies credentials; those that can go stale (token files, exec plugins) refresh on <see cref="Invalidate"/>.</summary>
internal interface ICredentialProvider
{
    /// <summary>Whether a 401 is worth one retry after <see cref="Invalidate"/>.</summary>
    bool CanRefresh { get; }

    ValueTask<Credential> GetAsync(CancellationToken cancellationToken);

    /// <summary>Drops the cached credential, e.g. after the API server answered 401.</summary>
    void Invalidate();
}
