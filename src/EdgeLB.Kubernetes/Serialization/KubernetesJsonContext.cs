using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Kubernetes.Serialization;

/// <summary>Source-generated JSON metadata for every type the client reads or writes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    Converters = [typeof(SharedStringConverter)])]
[JsonSerializable(typeof(Service))]
[JsonSerializable(typeof(KubeList<Service>))]
[JsonSerializable(typeof(Node))]
[JsonSerializable(typeof(KubeList<Node>))]
[JsonSerializable(typeof(KubeNamespace))]
[JsonSerializable(typeof(KubeList<KubeNamespace>))]
[JsonSerializable(typeof(EndpointSlice))]
[JsonSerializable(typeof(KubeList<EndpointSlice>))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(KubeList<Lease>))]
[JsonSerializable(typeof(KubeEvent))]
[JsonSerializable(typeof(KubeList<KubeEvent>))]
[JsonSerializable(typeof(TokenReview))]
[JsonSerializable(typeof(SubjectAccessReview))]
[JsonSerializable(typeof(Pod))]
[JsonSerializable(typeof(KubeList<Pod>))]
[JsonSerializable(typeof(IPAddressPool))]
[JsonSerializable(typeof(KubeList<IPAddressPool>))]
[JsonSerializable(typeof(L2Advertisement))]
[JsonSerializable(typeof(KubeList<L2Advertisement>))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
public sealed partial class KubernetesJsonContext : JsonSerializerContext;
