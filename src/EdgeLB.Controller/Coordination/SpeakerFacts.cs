using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>What the announcer choice needs to know about one speaker session, at one instant.</summary>
/// <remarks>
/// <see cref="Live"/>: The session is open and its heartbeats are on time.
/// <see cref="NodePorts"/>: The speaker's latest probe result per target (true = healthy).
/// <see cref="HealthySince"/>: For each healthy target, since when it has answered (null: long enough to count).
/// </remarks>
internal sealed record SpeakerFacts(
    string Node,
    bool Live,
    bool Draining,
    Health Health,
    IReadOnlyList<InterfaceFacts> Interfaces,
    IReadOnlyDictionary<NodePortTarget, bool> NodePorts,
    IReadOnlyDictionary<NodePortTarget, DateTimeOffset>? HealthySince = null);
