using System.Text.Json.Serialization;

namespace EdgeLB.Kubernetes.Models;

/// <summary>metav1.Status: the body of every API error and of ERROR watch events.</summary>
public sealed record Status
{
    public string? ApiVersion { get; init; }

    public string? Kind { get; init; }

    /// <summary>"Success" or "Failure" (the JSON field <c>status</c>).</summary>
    [JsonPropertyName("status")]
    public string? Outcome { get; init; }

    public string? Message { get; init; }

    /// <summary>NotFound, AlreadyExists, Conflict, Invalid, Expired, Gone, TooManyRequests, ….</summary>
    public string? Reason { get; init; }

    public int? Code { get; init; }

    public StatusDetails? Details { get; init; }
}
