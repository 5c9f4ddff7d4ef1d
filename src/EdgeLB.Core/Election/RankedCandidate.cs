namespace EdgeLB.Core.Election;

/// <summary>A candidate's place in one election; the first of a ranking announces.</summary>
public readonly record struct RankedCandidate(string Node, double Score);
