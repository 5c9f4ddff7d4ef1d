using EdgeLB.Core.Addresses;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Coordination;

/// <summary>What the announcer choice needs to know about one Node object.</summary>
internal sealed record NodeFacts(
    string Name,
    IReadOnlyDictionary<string, string> Labels,
    bool Ready,
    bool NetworkUnavailable,
    IReadOnlyList<IPValue> InternalAddresses)
{
    /// <summary>The well-known label that keeps a node out of every load balancer.</summary>
    public const string ExcludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers";

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    public bool Excluded => Labels.ContainsKey(ExcludeLabel);

    /// <summary>The address other nodes forward to: an InternalIP of the family asked for, else any InternalIP.</summary>
    public IPValue? AddressFor(IPFamily family) =>
        InternalAddresses.Where(a => a.Family == family).Cast<IPValue?>().FirstOrDefault() ?? InternalAddresses.Cast<IPValue?>().FirstOrDefault();

    public static NodeFacts From(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var conditions = node.Status?.Conditions ?? [];
        var addresses = new List<IPValue>();
        foreach (var address in node.Status?.Addresses ?? [])
        {
            if (address.Type == "InternalIP" && IPValue.TryParse(address.Address, out var ip))
            {
                addresses.Add(ip);
            }
        }

        return new NodeFacts(
            node.Metadata.Name ?? string.Empty,
            node.Metadata.Labels ?? NoLabels,
            conditions.Any(c => c.Type == "Ready" && c.Status == "True"),
            conditions.Any(c => c.Type == "NetworkUnavailable" && c.Status == "True"),
            addresses);
    }
}
