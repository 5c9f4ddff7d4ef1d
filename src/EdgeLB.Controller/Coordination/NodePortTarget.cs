using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>One nodeIP:nodePort a speaker probes.</summary>
internal readonly record struct NodePortTarget(string Address, uint Port, Protocol Protocol);
