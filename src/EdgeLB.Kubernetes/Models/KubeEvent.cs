using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 Event (named so to keep clear of the C# keyword), the one <c>kubectl describe</c> shows.</summary>
public sealed record KubeEvent : IKubernetesObject
{
    public string? ApiVersion { get; init; } = "v1";

    public string? Kind { get; init; } = "Event";

    public ObjectMeta Metadata { get; init; } = new();

    public ObjectReference? InvolvedObject { get; init; }

    public string? Reason { get; init; }

    public string? Message { get; init; }

    public EventSource? Source { get; init; }

    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? FirstTimestamp { get; init; }

    [JsonConverter(typeof(KubeTimeConverter))]
    public DateTimeOffset? LastTimestamp { get; init; }

    public int? Count { get; init; }

    /// <summary>Normal or Warning.</summary>
    public string? Type { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; init; }

    public EventSeries? Series { get; init; }

    public string? Action { get; init; }

    public string? ReportingComponent { get; init; }

    public string? ReportingInstance { get; init; }

    [JsonExtensionData]
    public IDictionary<string, JsonElement>? Extra { get; set; }
}
