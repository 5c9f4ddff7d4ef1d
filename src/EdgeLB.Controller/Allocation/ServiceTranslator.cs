using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;
using CorePort = EdgeLB.Core.Allocation.ServicePort;

namespace EdgeLB.Controller.Allocation;

/// <summary>Reads what the allocator needs out of a Kubernetes Service.</summary>
internal static class ServiceTranslator
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Annotations the controller writes and the allocator does not read.</summary>
    private static readonly string[] WrittenNotRead = [ServiceAnnotations.AnnouncingNode, ServiceAnnotations.NotInAnyPool];

    /// <summary>Whether EdgeLB is the provider for this Service.</summary>
    public static bool IsManaged(Service service, ControllerOptions options) =>
        service.Spec is { Type: "LoadBalancer" } spec
        && service.Metadata.DeletionTimestamp is null
        && (spec.LoadBalancerClass is null ? !options.RequireClass : spec.LoadBalancerClass == options.LoadBalancerClass);

    public static ServiceKey KeyOf(Service service) => new(service.Metadata.Namespace ?? "default", service.Metadata.Name ?? string.Empty);

    /// <summary>The allocator's view of <paramref name="service"/>; <paramref name="namespaceLabels"/> (null when unknown) feed pools' namespace selectors.</summary>
    public static ServiceRequest ToRequest(Service service, IReadOnlyDictionary<string, string>? namespaceLabels)
    {
        var spec = service.Spec ?? new ServiceSpec();
        return new ServiceRequest
        {
            Key = KeyOf(service),
            Labels = service.Metadata.Labels ?? NoLabels,
            NamespaceLabels = namespaceLabels ?? NoLabels,
            Annotations = service.Metadata.Annotations ?? NoLabels,
            LoadBalancerIP = spec.LoadBalancerIP,
            IPFamilies = [.. (spec.IpFamilies ?? []).Select(f => f == "IPv6" ? IPFamily.IPv6 : IPFamily.IPv4)],
            IPFamilyPolicy = spec.IpFamilyPolicy switch
            {
                "PreferDualStack" => IPFamilyPolicy.PreferDualStack,
                "RequireDualStack" => IPFamilyPolicy.RequireDualStack,
                _ => IPFamilyPolicy.SingleStack,
            },
            Ports = [.. (spec.Ports ?? []).Select(p => new CorePort(p.Protocol ?? "TCP", p.Port))],
            ExternalTrafficPolicy = spec.ExternalTrafficPolicy == "Local" ? TrafficPolicy.Local : TrafficPolicy.Cluster,
            Selector = spec.Selector ?? NoLabels,
        };
    }

    /// <summary>
    /// Whether the allocator decides and writes the same for both versions of a Service: its uid,
    /// deletion, labels, spec, annotations (those we write and do not read aside) and the addresses in its status
    /// are unchanged. An update that changes only the rest, such as the coordinator's condition,
    /// needs no reconcile. The whole spec is compared, so a field read later is not missed.
    /// </summary>
    public static bool SameAllocationInputs(Service a, Service b) =>
        a.Metadata.Uid == b.Metadata.Uid
        && a.Metadata.DeletionTimestamp == b.Metadata.DeletionTimestamp
        && SameMap(a.Metadata.Labels, b.Metadata.Labels)
        && SameMap(a.Metadata.Annotations, b.Metadata.Annotations, ignoring: WrittenNotRead)
        && SameSpec(a, b)
        && JsonEquality.Same(a.Status?.LoadBalancer, b.Status?.LoadBalancer, KubernetesJsonContext.Default.LoadBalancerStatus);

    /// <summary>Whether both versions of a Service have the same spec, every field of it.</summary>
    public static bool SameSpec(Service a, Service b) =>
        JsonEquality.Same(a.Spec, b.Spec, KubernetesJsonContext.Default.ServiceSpec);

    /// <summary>Whether two label or annotation maps hold the same entries, <paramref name="ignoring"/> some keys.</summary>
    public static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b, IReadOnlyCollection<string>? ignoring = null)
    {
        a ??= NoLabels;
        b ??= NoLabels;
        ignoring ??= [];
        var ignoredInA = ignoring.Count(a.ContainsKey);
        var ignoredInB = ignoring.Count(b.ContainsKey);
        return a.Count - ignoredInA == b.Count - ignoredInB
            && a.All(kv => ignoring.Contains(kv.Key, StringComparer.Ordinal) || (b.TryGetValue(kv.Key, out var v) && v == kv.Value));
    }


    /// <summary>The addresses in the Service's status (unparseable entries and hostnames are skipped).</summary>
    public static IReadOnlyList<IPValue> IngressAddresses(Service service)
    {
        var all = service.Status?.LoadBalancer?.Ingress ?? [];
        var result = new List<IPValue>(all.Count);
        foreach (var ingress in all)
        {
            if (IPValue.TryParse(ingress.Ip, out var ip))
            {
                result.Add(ip);
            }
        }

        return result;
    }

    /// <summary>Whether the status already shows exactly these addresses with this ipMode.</summary>
    public static bool StatusShows(Service service, IReadOnlyList<IPValue> addresses, string ipMode)
    {
        var ingress = service.Status?.LoadBalancer?.Ingress ?? [];
        return ingress.Count == addresses.Count
            && ingress.All(i => i.IpMode == ipMode && IPValue.TryParse(i.Ip, out var ip) && addresses.Contains(ip));
    }
}
