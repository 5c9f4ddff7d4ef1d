using EdgeLB.Core.Addresses;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The addresses that must be announced from one node: every address of a Service (dual-stack)
/// and of every Service sharing one of them. <see cref="Key"/> is the election key.
/// </summary>
/// <remarks>
/// <see cref="Pools"/>: The pool each address was allocated from, when known.
/// <see cref="LocalServices"/>: Services of the group with externalTrafficPolicy Local.
/// <see cref="AffinityTimeout"/>: ClientIP affinity timeout when a Service asks for it.
/// </remarks>
internal sealed record VipGroup(
    string Key,
    IReadOnlyList<IPValue> Addresses,
    IReadOnlyDictionary<IPValue, string?> Pools,
    IReadOnlyList<string> Services,
    IReadOnlyList<string> LocalServices,
    IReadOnlyList<GroupPort> Ports,
    TimeSpan? AffinityTimeout)
{
    public bool Local => LocalServices.Count > 0;
}
