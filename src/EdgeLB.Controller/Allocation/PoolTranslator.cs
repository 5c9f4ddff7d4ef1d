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
                    allocation.ServiceSelectors?.Select(ToSpec).ToList()),
            pool.Metadata.CreationTimestamp,
            AcceptedBefore(pool));
    }

    /// <summary>
    /// Whether the pool's status says its current generation was accepted. The status is the only
    /// record of the pools in force that outlives the controller, so a new leader starts from it.
    /// </summary>
    public static bool AcceptedBefore(IPAddressPool pool) =>
        pool.Metadata.Generation is { } generation
        && pool.Status?.Conditions?.FirstOrDefault(c => c.Type == "Valid") is { Status: "True" } valid
        && valid.ObservedGeneration == generation;

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
