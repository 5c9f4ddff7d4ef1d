using EdgeLB.Core.Addresses;

namespace EdgeLB.Core.Election;

/// <summary>
/// Chooses which node announces an address by weighted rendezvous hashing: every (node, key) pair
/// gets a pseudo-random score and the highest wins. Every replica computes the same answer with no
/// coordination; addresses spread evenly; when a node leaves only its own addresses move, and a new
/// node takes about 1/(N+1) of them.
/// </summary>
public static class AnnouncerElection
{
    private const double TwoToMinus53 = 1.0 / (1UL << 53);

    /// <summary>The node that should announce the key, or null when no candidate may.</summary>
    public static string? Elect(string key, IReadOnlyList<ElectionCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var keyHash = StableHash.Of(key);
        string? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var candidate in candidates)
        {
            var score = Score(keyHash, candidate);
            if (score > bestScore || (score == bestScore && best is not null && string.CompareOrdinal(candidate.Node, best) < 0))
            {
                best = candidate.Node;
                bestScore = score;
            }
        }

        return bestScore > 0 ? best : null;
    }

    /// <summary>Every candidate in order of preference, for explaining a choice and for picking a standby.</summary>
    public static IReadOnlyList<RankedCandidate> Rank(string key, IReadOnlyList<ElectionCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var keyHash = StableHash.Of(key);
        return [.. candidates
            .Select(c => new RankedCandidate(c.Node, Score(keyHash, c)))
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Node, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The election key for a Service's addresses: its IPv4 address if it has one, else its IPv6
    /// address. Dual-stack addresses of one Service, and Services sharing an address, get one key and
    /// so one node.
    /// </summary>
    public static string KeyFor(IEnumerable<IPValue> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return addresses.Order().Select(a => a.ToString()).FirstOrDefault() ?? string.Empty;
    }

    /// <summary>A candidate's score for a key; higher wins, 0 never wins.</summary>
    internal static double Score(string key, ElectionCandidate candidate) => Score(StableHash.Of(key), candidate);

    internal static double Score(ulong keyHash, ElectionCandidate candidate)
    {
        if (candidate.Weight <= 0 || double.IsNaN(candidate.Weight))
        {
            return 0;
        }

        var h = StableHash.Mix(candidate.NodeHash ^ keyHash);
        var u = ((h >> 11) + 0.5) * TwoToMinus53;
        return candidate.Weight / -Math.Log(u);
    }
}
