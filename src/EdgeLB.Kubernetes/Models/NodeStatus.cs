using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 NodeStatus (the part we read).</summary>
public sealed record NodeStatus
{
    public IReadOnlyList<NodeAddress>? Addresses { get; init; }

    public IReadOnlyList<NodeCondition>? Conditions { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
