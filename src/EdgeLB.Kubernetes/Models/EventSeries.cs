using System.Text.Json.Serialization;
using EdgeLB.Kubernetes.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 EventSeries.</summary>
public sealed record EventSeries
{
    public int? Count { get; init; }

    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? LastObservedTime { get; init; }
}
