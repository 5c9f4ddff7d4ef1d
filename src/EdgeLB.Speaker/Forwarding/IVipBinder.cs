using System.Net;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>Makes this node's kernel accept packets for a VIP (without answering ARP/ND for it).</summary>
internal interface IVipBinder
{
    /// <summary>Removes every VIP a previous run left and prepares the node.</summary>
    Task CleanupAsync(CancellationToken cancellationToken);

    Task AddAsync(IPAddress vip, CancellationToken cancellationToken);

    Task RemoveAsync(IPAddress vip, CancellationToken cancellationToken);
}
