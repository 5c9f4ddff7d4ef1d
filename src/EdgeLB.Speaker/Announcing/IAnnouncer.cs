using System.Net;
using System.Threading.Channels;

namespace EdgeLB.Speaker.Announcing;

/// <summary>
/// Makes this node the layer-2 owner of virtual IPs: gratuitous ARP / unsolicited Neighbor Advertisements
/// when an address is assigned, answers to ARP requests and Neighbor Solicitations while the lease
/// holds, silence the moment it is revoked or expires. The session with the controller drives it.
/// </summary>
public interface IAnnouncer
{
    /// <summary>
    /// Starts announcing <paramref name="vip"/> on <paramref name="interfaceName"/>. The first gratuitous
    /// frames leave on the calling thread before this returns; repeats and refreshes follow on timers.
    /// Assigning an address already held re-announces it with the new epoch and lease, or moves it to
    /// another interface.
    /// </summary>
    /// <returns>False when <paramref name="epoch"/> is older than the one held or the lease has already ended.</returns>
    bool Assign(IPAddress vip, string interfaceName, long epoch, DateTimeOffset leaseUntil);

    /// <summary>As <see cref="Assign(IPAddress, string, long, DateTimeOffset)"/> with a lease relative to now.</summary>
    bool Assign(IPAddress vip, string interfaceName, long epoch, TimeSpan leaseDuration);

    /// <summary>Extends the lease of a held address.</summary>
    /// <returns>False when the address is not held (any more) or <paramref name="epoch"/> is older than the held one.</returns>
    bool Renew(IPAddress vip, long epoch, DateTimeOffset leaseUntil);

    /// <summary>Stops answering for <paramref name="vip"/> at once. Safe to call from a claim handler.</summary>
    /// <returns>False when it was not held.</returns>
    bool Revoke(IPAddress vip);

    /// <summary>
    /// Announces a held address again against a false claim: at once, or, within
    /// <see cref="AnnouncerOptions.DefendInterval"/> of the last defence, once when it has passed.
    /// </summary>
    /// <returns>False when the address is not held at <paramref name="epoch"/>.</returns>
    bool Defend(IPAddress vip, long epoch);

    /// <summary>Whether the address is held and its lease is valid now.</summary>
    bool IsAnnouncing(IPAddress vip);

    /// <summary>
    /// When gratuitous frames for <paramref name="vip"/> last left, of any kind: the assignment's
    /// burst, its repeats, the periodic refresh, or a defence against another claimant. Null when it
    /// is not held or nothing was sent yet.
    /// </summary>
    DateTimeOffset? LastAnnounced(IPAddress vip);

    /// <summary>
    /// Registers a handler called synchronously on the receive thread when another MAC claims a held
    /// address, before the next frame is read. Returning <see cref="ClaimVerdict.StepDown"/> revokes the
    /// address right there, so a fenced node goes quiet within a fraction of a millisecond of the frame.
    /// Handlers must be quick and must not block.
    /// </summary>
    IDisposable OnClaim(ClaimHandler handler);

    /// <summary>Every claim (with the verdict applied), for consumers that can process them later.</summary>
    ChannelReader<AddressClaim> Claims { get; }

    /// <summary>
    /// Opens the interface and checks the host: ARP sysctls, rp_filter, kube-proxy IPVS without
    /// strictARP. Findings are logged and counted; opening early also keeps the first Assign fast.
    /// </summary>
    PreflightReport Preflight(string interfaceName);

    /// <summary>
    /// Asks the segment whether <paramref name="vip"/> is already in use (RFC 5227 ARP probe, or an IPv6
    /// DAD solicitation) and waits at most <paramref name="timeout"/> (default from options) for an answer.
    /// Assign never waits for this: on a handover the previous holder legitimately still answers.
    /// </summary>
    Task<ProbeResult> ProbeAsync(IPAddress vip, string interfaceName, TimeSpan? timeout = null, CancellationToken cancellationToken = default);
}
