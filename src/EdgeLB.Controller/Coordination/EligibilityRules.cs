using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Decides, from one <see cref="CoordinationSnapshot"/>, which nodes may announce a group and why
/// the others may not. Everything that does not depend on the group is worked out once per
/// snapshot, so judging thousands of groups against thousands of nodes stays cheap.
/// </summary>
/// <remarks>
/// Rules, in the order they are reported: the exclude-from-external-load-balancers label; an
/// L2Advertisement that covers the VIP's pool and selects the node; a live session; Node Ready
/// and not NetworkUnavailable, heartbeats on time and the speaker not reporting itself failed;
/// not draining; for externalTrafficPolicy Local a ready local endpoint; an interface with link
/// up in the VIP's subnet (among the advertisement's interfaces, if it names any); and the
/// speaker's NodePort probes for the Service not failing for every backend node while another
/// speaker reaches one of them (when nobody reaches any, the backends are down, not this node's
/// path to them: moving the VIP would only darken it, and the Service would never get its VIP
/// back, since only the holder keeps probing). Another speaker's answers count once they have
/// lasted <see cref="NodePortVerdictDelay"/>.
/// </remarks>
internal sealed class EligibilityRules
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);
    private readonly CoordinationSnapshot _snapshot;
    private readonly Dictionary<string, (RejectionReason Reason, string Detail)?> _nodeVerdicts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<Advertisement>> _adsByPool = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<(uint Port, Protocol Protocol), (int Healthy, int Failing)>> _probesBySpeaker = new(StringComparer.Ordinal);
    private readonly Dictionary<(uint Port, Protocol Protocol), DateTimeOffset> _reachedSince = [];
    private readonly DateTimeOffset? _now;
    private readonly int _backendNodes;

    /// <param name="snapshot">What the rules judge.</param>
    /// <param name="now">When they judge; null counts every answer reported as lasting enough.</param>
    public EligibilityRules(CoordinationSnapshot snapshot, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _snapshot = snapshot;
        _now = now;
        Nodes = [.. snapshot.Nodes.Keys.Union(snapshot.Speakers.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        foreach (var node in Nodes)
        {
            _nodeVerdicts[node] = JudgeNode(node);
        }

        _backendNodes = snapshot.Nodes.Values.Count(n => n.Ready && !n.NetworkUnavailable && !n.Excluded && n.InternalAddresses.Count > 0);
        foreach (var (node, speaker) in snapshot.Speakers)
        {
            // Per nodePort and protocol: how many probed targets answer and how many do not.
            var probes = new Dictionary<(uint, Protocol), (int Healthy, int Failing)>();
            foreach (var (target, healthy) in speaker.NodePorts)
            {
                var key = (target.Port, target.Protocol);
                var (ok, failing) = probes.GetValueOrDefault(key);
                probes[key] = healthy ? (ok + 1, failing) : (ok, failing + 1);
                if (healthy)
                {
                    var since = speaker.HealthySince?.GetValueOrDefault(target) ?? DateTimeOffset.MinValue;
                    _reachedSince[key] = _reachedSince.TryGetValue(key, out var earlier) && earlier < since ? earlier : since;
                }
            }

            _probesBySpeaker[node] = probes;
        }
    }

    /// <summary>
    /// How long another speaker must have reached a nodePort before a speaker that reaches none of
    /// its backends loses the VIP for it. Backends that come up are seen by each speaker at its own
    /// next checks (every 250 ms, up after 2 by default) and reported with its next heartbeat: in
    /// between, the holder's last report still says "failing" while the standby's already says
    /// "answers", and judging on that skew moved a healthy holder's VIP (resetting its connections)
    /// the moment the pods came up. Two seconds cover the checks, a heartbeat and a busy host.
    /// </summary>
    public static TimeSpan NodePortVerdictDelay { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Every node known from a Node object or a session, by name.</summary>
    public IReadOnlyList<string> Nodes { get; }

    /// <summary>True when the node carries the exclude-from-external-load-balancers label.</summary>
    public bool ExcludedByLabel(string node) => _snapshot.Nodes.TryGetValue(node, out var facts) && facts.Excluded;

    public Verdict Judge(VipGroup group, string node)
    {
        ArgumentNullException.ThrowIfNull(group);
        if (ExcludedByLabel(node))
        {
            return Verdict.Reject(node, RejectionReason.Excluded, $"labelled {NodeFacts.ExcludeLabel}");
        }

        var labels = _snapshot.Nodes.TryGetValue(node, out var nodeFacts) ? nodeFacts.Labels : NoLabels;
        var allowedInterfaces = new Dictionary<IPValue, HashSet<string>?>();
        foreach (var address in group.Addresses)
        {
            var pool = group.Pools.GetValueOrDefault(address);
            var ads = AdvertisementsFor(pool);
            if (ads.Count == 0)
            {
                return Verdict.Reject(node, RejectionReason.Excluded, $"no L2Advertisement covers pool {pool ?? "(unknown)"}");
            }

            HashSet<string>? interfaces = [];
            var selected = false;
            foreach (var ad in ads)
            {
                if (!ad.SelectsNode(labels))
                {
                    continue;
                }

                selected = true;
                if (ad.Interfaces.Count == 0)
                {
                    interfaces = null;
                }
                else
                {
                    interfaces?.UnionWith(ad.Interfaces);
                }
            }

            if (!selected)
            {
                return Verdict.Reject(node, RejectionReason.Excluded, $"the nodeSelectors of L2Advertisement {string.Join(", ", ads.Select(a => a.Name))} do not match");
            }

            allowedInterfaces[address] = interfaces;
        }

        if (_nodeVerdicts[node] is { } rejected)
        {
            return Verdict.Reject(node, rejected.Reason, rejected.Detail);
        }

        foreach (var service in group.LocalServices)
        {
            if (!_snapshot.Endpoints.NodesOf(service).Contains(node))
            {
                return Verdict.Reject(node, RejectionReason.NoLocalEndpoints, $"no ready endpoint of {service} on the node");
            }
        }

        var speaker = _snapshot.Speakers[node];
        var chosen = new Dictionary<IPValue, string>();
        foreach (var address in group.Addresses)
        {
            var allowed = allowedInterfaces[address];
            var nic = speaker.Interfaces
                .Where(i => i.LinkUp && i.Serves(address) && (allowed is null || allowed.Contains(i.Name)))
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .FirstOrDefault();
            if (nic is null)
            {
                var inSubnet = speaker.Interfaces.Where(i => i.Serves(address) && (allowed is null || allowed.Contains(i.Name))).Select(i => i.Name).ToList();
                var detail = inSubnet.Count > 0
                    ? $"link down on {string.Join(", ", inSubnet)}"
                    : $"no interface in the subnet of {address}" + (allowed is null ? string.Empty : $" among {string.Join(", ", allowed.Order(StringComparer.Ordinal))}");
                return Verdict.Reject(node, RejectionReason.NoInterface, detail);
            }

            chosen[address] = nic.Name;
        }

        var probes = _probesBySpeaker[node];
        foreach (var port in group.Ports)
        {
            // The node reaches none of the backends although another node does: it would accept
            // connections and forward them nowhere.
            var key = ((uint)port.NodePort, ProtocolOf(port.Protocol));
            if (port.NodePort > 0
                && probes.TryGetValue(key, out var seen)
                && seen.Healthy == 0 && seen.Failing >= Math.Max(1, _backendNodes)
                && _reachedSince.TryGetValue(key, out var reachedSince)
                && (_now is not { } now || now - reachedSince >= NodePortVerdictDelay))
            {
                return Verdict.Reject(node, RejectionReason.NodeportUnhealthy, $"every probe of nodePort {port.NodePort}/{port.Protocol} fails from this node, and another node reaches it");
            }
        }

        return new Verdict(node, RejectionReason.Unspecified, string.Empty, chosen);
    }

    public static Protocol ProtocolOf(string protocol) => protocol switch
    {
        "UDP" => Protocol.Udp,
        "SCTP" => Protocol.Sctp,
        _ => Protocol.Tcp,
    };

    private IReadOnlyList<Advertisement> AdvertisementsFor(string? pool)
    {
        var key = pool ?? string.Empty;
        if (!_adsByPool.TryGetValue(key, out var ads))
        {
            var labels = pool is not null && _snapshot.PoolLabels.TryGetValue(pool, out var l) ? l : NoLabels;
            _adsByPool[key] = ads = [.. _snapshot.Advertisements.Where(a => a.SelectsPool(pool, labels))];
        }

        return ads;
    }

    /// <summary>The rules that depend on the node alone.</summary>
    private (RejectionReason, string)? JudgeNode(string node)
    {
        if (!_snapshot.Speakers.TryGetValue(node, out var speaker))
        {
            return (RejectionReason.NoSession, "no speaker session");
        }

        if (!_snapshot.Nodes.TryGetValue(node, out var facts))
        {
            return (RejectionReason.Unhealthy, "no Node object");
        }

        if (!facts.Ready)
        {
            return (RejectionReason.Unhealthy, "Node is not Ready");
        }

        if (facts.NetworkUnavailable)
        {
            return (RejectionReason.Unhealthy, "Node reports NetworkUnavailable");
        }

        if (!speaker.Live)
        {
            return (RejectionReason.Unhealthy, "heartbeats late");
        }

        if (speaker.Health == Health.Failed)
        {
            return (RejectionReason.Unhealthy, "speaker reports the node failed");
        }

        if (speaker.Draining)
        {
            return (RejectionReason.Draining, "speaker is draining");
        }

        return null;
    }
}
