namespace EdgeLB.Speaker.Forwarding;

/// <summary>Which data plane carries VIP traffic to the backends.</summary>
internal enum DataPlaneKind
{
    /// <summary>Sockets in the speaker process (the default; full health, affinity and drain semantics).</summary>
    Userspace,

    /// <summary>Kernel DNAT + masquerade programmed with nft (opt-in; near line rate).</summary>
    Nftables,
}
