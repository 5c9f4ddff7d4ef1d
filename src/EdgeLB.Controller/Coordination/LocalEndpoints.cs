using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Coordination;

/// <summary>Which nodes run a ready endpoint of each Service, read from its EndpointSlices.</summary>
internal sealed class LocalEndpoints
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _nodesByService;

    private LocalEndpoints(Dictionary<string, HashSet<string>> nodesByService) => _nodesByService = nodesByService;

    /// <summary>Nodes with a ready endpoint of the Service "namespace/name".</summary>
    public IReadOnlySet<string> NodesOf(string service) => _nodesByService.TryGetValue(service, out var nodes) ? nodes : None;

    public static LocalEndpoints From(IEnumerable<EndpointSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            if (slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel) is not { } name)
            {
                continue;
            }

            var key = $"{slice.Metadata.Namespace ?? "default"}/{name}";
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // A nil "ready" means ready (discovery.k8s.io/v1); terminating endpoints are not ready.
                if (endpoint.NodeName is { Length: > 0 } node && endpoint.Conditions?.Ready != false)
                {
                    if (!result.TryGetValue(key, out var nodes))
                    {
                        result[key] = nodes = new HashSet<string>(StringComparer.Ordinal);
                    }

                    nodes.Add(node);
                }
            }
        }

        return new LocalEndpoints(result);
    }
}
