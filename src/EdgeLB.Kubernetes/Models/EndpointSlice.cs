using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>discovery.k8s.io/v1 EndpointSlice. Its Service is named by the kubernetes.io/service-name label.</summary>
public sealed record EndpointSlice : IKubernetesObject
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public string? ApiVersion { get; init; } = "discovery.k8s.io/v1";

    public string? Kind { get; init; } = "EndpointSlice";

    public ObjectMeta Metadata { get; init; } = new();

    /// <summary>IPv4, IPv6 or FQDN.</summary>
    public string? AddressType { get; init; }

    public IReadOnlyList<Endpoint>? Endpoints { get; init; }

    public IReadOnlyList<EndpointPort>? Ports { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
