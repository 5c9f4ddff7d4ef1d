using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Coordination;

/// <summary>The Kubernetes objects the coordinator reads (from informer caches in the controller, from lists in tests).</summary>
internal sealed record CoordinationInputs(
    IReadOnlyList<Node> Nodes,
    IReadOnlyList<Service> Services,
    IReadOnlyList<L2Advertisement> Advertisements,
    IReadOnlyList<IPAddressPool> Pools,
    IReadOnlyList<EndpointSlice> EndpointSlices);
