using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>The resources EdgeLB uses.</summary>
public static class Resources
{
    private static KubernetesJsonContext Json => KubernetesJsonContext.Default;

    public static ResourceDescriptor<Service> Services { get; } =
        new("", "v1", "services", "Service", Namespaced: true, Json.Service, Json.KubeListService);

    public static ResourceDescriptor<Node> Nodes { get; } =
        new("", "v1", "nodes", "Node", Namespaced: false, Json.Node, Json.KubeListNode);

    public static ResourceDescriptor<Pod> Pods { get; } =
        new("", "v1", "pods", "Pod", Namespaced: true, Json.Pod, Json.KubeListPod);

    public static ResourceDescriptor<KubeEvent> Events { get; } =
        new("", "v1", "events", "Event", Namespaced: true, Json.KubeEvent, Json.KubeListKubeEvent);

    public static ResourceDescriptor<EndpointSlice> EndpointSlices { get; } =
        new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", Namespaced: true, Json.EndpointSlice, Json.KubeListEndpointSlice);

    public static ResourceDescriptor<Lease> Leases { get; } =
        new("coordination.k8s.io", "v1", "leases", "Lease", Namespaced: true, Json.Lease, Json.KubeListLease);

    public static ResourceDescriptor<IPAddressPool> IPAddressPools { get; } =
        new("edgelb.io", "v1alpha1", "ipaddresspools", "IPAddressPool", Namespaced: true, Json.IPAddressPool, Json.KubeListIPAddressPool);

    public static ResourceDescriptor<L2Advertisement> L2Advertisements { get; } =
        new("edgelb.io", "v1alpha1", "l2advertisements", "L2Advertisement", Namespaced: true, Json.L2Advertisement, Json.KubeListL2Advertisement);
}
