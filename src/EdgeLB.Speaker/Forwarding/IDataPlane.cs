namespace EdgeLB.Speaker.Forwarding;

/// <summary>Carries traffic of forwarded VIP:ports to the backends chosen by their pools.</summary>
internal interface IDataPlane : IAsyncDisposable
{
    /// <summary>Removes state a previous run left behind.</summary>
    Task CleanupAsync(CancellationToken cancellationToken);

    /// <summary>Starts forwarding the pool's VIP:port or takes its updated backends into account.</summary>
    Task ApplyAsync(BackendPool pool, CancellationToken cancellationToken);

    Task RemoveAsync(VipPort vip, CancellationToken cancellationToken);

    /// <summary>Some backend's availability changed.</summary>
    void HealthChanged();
}
