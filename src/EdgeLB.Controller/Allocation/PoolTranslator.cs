using EdgeLB.Core.Pools;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;
using K8sSelector = EdgeLB.Kubernetes.Models.LabelSelector;

namespace EdgeLB.Controller.Allocation;

/// <summary>Turns IPAddressPool objects into the core's pool specs.</summary>
internal static class PoolTranslator
{
    public static PoolSpec ToSpec(IPAddressPool pool)
    {
        var spec = pool.Spec ?? new IPAddressPoolSpec();
        var allocation = spec.ServiceAllocation;
        return new PoolSpec(
            pool.Metadata.Name ?? string.Empty,
            spec.Addresses ?? [],
            spec.AutoAssign,
            spec.AvoidBuggyIPs,
            allocation is null
                ? null
                : new ServiceAllocationSpec(
                    allocation.Priority,
                    allocation.Namespaces,
                    allocation.NamespaceSelectors?.Select(ToSpec).ToList(),
                    allocation.ServiceSelectors?.Select(ToSpec).ToList()));
    }

    /// <summary>
    /// Whether two versions of a pool agree in what <see cref="ToSpec(IPAddressPool)"/> reads.
    /// Writing a pool's status is an update too; it must not make the allocator take the pools in again.
    /// </summary>
    public static bool SameSpec(IPAddressPool a, IPAddressPool b) =>
        a.Metadata.Name == b.Metadata.Name
        && JsonEquality.Same(a.Spec, b.Spec, KubernetesJsonContext.Default.IPAddressPoolSpec);

    private static LabelSelectorSpec ToSpec(K8sSelector selector) => new(
        selector.MatchLabels,
        selector.MatchExpressions?.Select(e => new LabelSelectorRequirementSpec(e.Key ?? string.Empty, e.Operator ?? string.Empty, e.Values)).ToList());
}
