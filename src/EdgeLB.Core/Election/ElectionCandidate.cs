namespace EdgeLB.Core.Election;

/// <summary>
/// A node that may announce an address, with a preference weight (1 is neutral; 2 wins about twice
/// as many addresses; 0 or less never wins).
/// </summary>
public sealed record ElectionCandidate(string Node, double Weight = 1.0)
{
    /// <summary>The node's hash, computed once so an election over many addresses hashes each node once.</summary>
    internal ulong NodeHash { get; } = StableHash.Of(Node);
}
