using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using CorePort = EdgeLB.Core.Allocation.ServicePort;

namespace EdgeLB.Controller.Allocation;

/// <summary>Reads what the allocator needs out of a Kubernetes Service.</summary>
internal static class ServiceTranslator
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

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

    /// <summary>The addresses in the Service's status (unparseable entries and hostnames are skipped).</summary>
    public static IReadOnlyList<IPValue> IngressAddresses(Service service)
    {
        var result = new List<IPValue>();
        foreach (var ingress in service.Status?.LoadBalancer?.Ingress ?? [])
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
