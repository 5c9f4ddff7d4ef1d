using System.Collections.Concurrent;
using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Announcing;
using Google.Protobuf.WellKnownTypes;

namespace EdgeLB.Speaker.Session;

/// <summary>
/// Decides, on the announcer's receive thread, what a claim on one of our VIPs means. A frame is
/// evidence, not an order: anyone on the segment can send one with any sender MAC.
/// <list type="bullet">
/// <item>A known peer speaker's MAC (from Configuration.peers): reported at once (the next heartbeat
/// leaves now), not obeyed. The controller knows every holder and epoch: when the peer was really
/// given the VIP it revokes it from us (a handover, or a move off a holder it had given up on), and
/// when it was not, it sends a Defend and we announce again. A real new holder's claim therefore
/// still ends our announcing within a heartbeat's round trip, and our lease fences us if the
/// controller cannot reach us. While orphaned there is nobody to ask, and the controller only
/// gives an orphan's VIP away once its session has ended: then the claim is obeyed, as before,
/// except within <see cref="SessionOptions.NewHolderGrace"/> of our own Assignment (the claimant is
/// then almost certainly the holder we replace, whose frames still arrive).</item>
/// <item>Any other MAC: defended at once with our own announcement (rate-limited by the announcer)
/// and reported, so the controller raises a Warning Event. A stray device or a forged frame must not
/// be able to take a VIP from us, nor leave neighbours pointing at it.</item>
/// </list>
/// </summary>
internal sealed class ClaimArbiter(TimeSpan newHolderGrace, TimeProvider time)
{
    /// <summary>Most distinct claims kept for one heartbeat: a flood of forged MACs must not grow it without bound.</summary>
    internal const int MaxPending = 256;

    /// <summary>How often one VIP and MAC may send a heartbeat out early; later repeats ride the regular ones.</summary>
    internal static readonly TimeSpan EarlyReportInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(IPAddress Vip, MacAddress Mac), ForeignClaim> _pending = new();
    private readonly ConcurrentDictionary<(IPAddress Vip, MacAddress Mac), long> _earlyReports = new();
    private volatile Dictionary<MacAddress, string> _peers = [];

    /// <summary>Whether the session is orphaned (held VIPs, no controller to ask); set by the session.</summary>
    public Func<bool> IsOrphaned { get; set; } = static () => false;

    /// <summary>Called when a claim should be reported before the next regular heartbeat.</summary>
    public Action? ReportNow { get; set; }

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
        var key = (claim.Vip, claim.ClaimantMac);
        if (_pending.Count < MaxPending || _pending.ContainsKey(key))
        {
            _pending[key] = new ForeignClaim
            {
                Address = claim.Vip.ToString(),
                Mac = NodeInventory.MacBytes(claim.ClaimantMac),
                KnownPeer = knownPeer,
                SeenAt = Timestamp.FromDateTimeOffset(claim.ReceivedAt),
                Interface = claim.InterfaceName,
            };
            ReportEarlyIfNew(key);
        }

        if (!knownPeer)
        {
            return ClaimVerdict.Defend;
        }

        return IsOrphaned() && claim.ReceivedAt - claim.HeldSince >= newHolderGrace ? ClaimVerdict.StepDown : ClaimVerdict.Ignore;
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

    /// <summary>The first claim of a VIP by a MAC (again after <see cref="EarlyReportInterval"/>) is reported at once; a flood is not.</summary>
    private void ReportEarlyIfNew((IPAddress Vip, MacAddress Mac) key)
    {
        var now = time.GetTimestamp();
        if (_earlyReports.TryGetValue(key, out var last) && time.GetElapsedTime(last, now) < EarlyReportInterval)
        {
            return;
        }

        if (_earlyReports.Count >= MaxPending)
        {
            _earlyReports.Clear();
        }

        _earlyReports[key] = now;
        ReportNow?.Invoke();
    }
}
