using System.Collections.Concurrent;
using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using Google.Protobuf.WellKnownTypes;

namespace EdgeLB.Speaker.Session;

/// <summary>
/// Decides, on the announcer's receive thread, what a claim on one of our VIPs means.
/// <list type="bullet">
/// <item>A known peer speaker's MAC (from Configuration.peers): step down at once. The controller
/// only lets a peer announce a VIP after assigning it there with a higher epoch, so its first
/// gratuitous ARP is the proof that we have been replaced, whether or not our Revoke has arrived
/// yet or the controller is reachable at all (orphaned holding ends here). Except while our own
/// Assignment is younger than <see cref="SessionOptions.NewHolderGrace"/>: then the claimant is almost certainly the holder
/// we replace, whose Revoke is still on its way to it and whose gratuitous frames (its burst, its
/// repeat after 0.5 s, frames queued on a busy host) still arrive. Obeying them leaves nobody
/// announcing the VIP. The claim is reported instead; the controller, which knows both epochs, has
/// revoked the old holder, and its lease fences it if the Revoke cannot reach it.</item>
/// <item>Any other MAC: ignored and reported as a ForeignClaim conflict. A stray device or a
/// misconfigured host must not be able to take a VIP from us by shouting.</item>
/// </list>
/// Either way the claim is reported in the next heartbeat.
/// </summary>
internal sealed class ClaimArbiter(TimeSpan newHolderGrace)
{
    private readonly ConcurrentDictionary<(IPAddress Vip, MacAddress Mac), ForeignClaim> _pending = new();
    private volatile Dictionary<MacAddress, string> _peers = [];

    public int PeerCount => _peers.Count;

    public void SetPeers(IEnumerable<PeerSpeaker> peers, string ownNode)
    {
        var map = new Dictionary<MacAddress, string>();
        foreach (var peer in peers)
        {
            if (string.Equals(peer.Node, ownNode, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var mac in peer.Macs)
            {
                if (mac.Length == MacAddress.Length)
                {
                    map[MacAddress.Read(mac.Span)] = peer.Node;
                }
            }
        }

        _peers = map;
    }

    public string? PeerOf(MacAddress mac) => _peers.TryGetValue(mac, out var node) ? node : null;

    /// <summary>The <see cref="ClaimHandler"/> to register with the announcer.</summary>
    public ClaimVerdict Decide(AddressClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var knownPeer = _peers.ContainsKey(claim.ClaimantMac);
        _pending[(claim.Vip, claim.ClaimantMac)] = new ForeignClaim
        {
            Address = claim.Vip.ToString(),
            Mac = NodeInventory.MacBytes(claim.ClaimantMac),
            KnownPeer = knownPeer,
            SeenAt = Timestamp.FromDateTimeOffset(claim.ReceivedAt),
            Interface = claim.InterfaceName,
        };
        return knownPeer && claim.ReceivedAt - claim.HeldSince >= newHolderGrace ? ClaimVerdict.StepDown : ClaimVerdict.Ignore;
    }

    /// <summary>Claims seen since the last call, latest per VIP and MAC, for a heartbeat.</summary>
    public IReadOnlyList<ForeignClaim> TakeClaims()
    {
        var taken = new List<ForeignClaim>();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var claim))
            {
                taken.Add(claim);
            }
        }

        return taken;
    }
}
