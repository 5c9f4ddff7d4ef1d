namespace EdgeLB.Core.Election;

/// <summary>One election key (see <see cref="AnnouncerElection.KeyFor"/>) and the nodes eligible to announce it.</summary>
public sealed record ElectionItem(string Key, IReadOnlyList<ElectionCandidate> Candidates);
