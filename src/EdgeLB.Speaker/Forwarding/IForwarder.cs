using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// What the speaker session drives: the backends of each VIP:port this node holds. Setting backends
/// for a new VIP:port starts forwarding it (and puts the VIP on this node); clearing the last port of
/// a VIP removes it again.
/// </summary>
internal interface IForwarder : IAsyncDisposable
{
    /// <summary>Removes whatever a previous run left (addresses, nftables table) and prepares the node.</summary>
    Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Sets (or replaces) the backends and options of <paramref name="vip"/>.</summary>
    Task SetBackendsAsync(VipPort vip, IReadOnlyList<Backend> backends, ServiceForwardingOptions options, CancellationToken cancellationToken);

    /// <summary>Stops forwarding <paramref name="vip"/>; a no-op when it is not forwarded.</summary>
    Task ClearAsync(VipPort vip, CancellationToken cancellationToken);

    IReadOnlyCollection<VipPort> Forwarded { get; }

    /// <summary>Health of every checked backend, for heartbeats.</summary>
    IReadOnlyList<BackendHealthReport> HealthSnapshot();
}
