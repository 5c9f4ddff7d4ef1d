using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Whether one node may announce one group, and if so on which interface for each address.
/// <see cref="Reason"/> is UNSPECIFIED for an eligible node.
/// </summary>
internal sealed record Verdict(string Node, RejectionReason Reason, string Detail, IReadOnlyDictionary<IPValue, string> Interfaces)
{
    private static readonly IReadOnlyDictionary<IPValue, string> NoInterfaces = new Dictionary<IPValue, string>();

    public bool Eligible => Reason == RejectionReason.Unspecified;

    public static Verdict Reject(string node, RejectionReason reason, string detail) => new(node, reason, detail, NoInterfaces);
}
