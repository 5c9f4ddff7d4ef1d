using EdgeLB.Controller.Allocation;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Which Service and pool changes can change what the coordinator derives (<see cref="DerivedInputs"/>).
/// Every other change (a Service without an address yet, the condition the coordinator wrote
/// itself, a pool's status) would only start a full plan over every VIP that comes out the same:
/// while thousands of Services are being written, such plans keep running one after another.
/// </summary>
internal static class CoordinationRelevance
{
    /// <summary>
    /// Whether going from <paramref name="old"/> to <paramref name="current"/> (null: absent) can
    /// change the groups: the Service is in a group (managed, with an address) before or after, and
    /// its deletion, addresses, spec or the annotations the coordinator reads differ.
    /// </summary>
    public static bool ServiceChanged(Service? old, Service? current, ControllerOptions options)
    {
        var before = old is not null && Grouped(old, options);
        var after = current is not null && Grouped(current, options);
        if (!before && !after)
        {
            return false;
        }

        return before != after
            || old!.Metadata.DeletionTimestamp != current!.Metadata.DeletionTimestamp
            || !ServiceTranslator.IngressAddresses(old).SequenceEqual(ServiceTranslator.IngressAddresses(current))
            || Annotation(old, ServiceAnnotations.AllocatedFromPool) != Annotation(current, ServiceAnnotations.AllocatedFromPool)
            || Annotation(old, ServiceAnnotations.AnnouncingNode) != Annotation(current, ServiceAnnotations.AnnouncingNode)
            || !ServiceTranslator.SameSpec(old, current);
    }

    /// <summary>Of a pool the coordinator reads the labels only (eligibility by pool selector), not its spec or status.</summary>
    public static bool PoolChanged(IPAddressPool old, IPAddressPool current)
    {
        ArgumentNullException.ThrowIfNull(old);
        ArgumentNullException.ThrowIfNull(current);
        return !ServiceTranslator.SameMap(old.Metadata.Labels, current.Metadata.Labels);
    }

    private static bool Grouped(Service service, ControllerOptions options) =>
        ServiceTranslator.IsManaged(service, options) && ServiceTranslator.IngressAddresses(service).Count > 0;

    private static string? Annotation(Service service, string name) => service.Metadata.Annotations?.GetValueOrDefault(name);
}
