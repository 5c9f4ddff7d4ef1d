namespace EdgeLB.Kubernetes.Models;

/// <summary>core/v1 Taint.</summary>
public sealed record Taint
{
    public string? Key { get; init; }

    public string? Value { get; init; }

    public string? Effect { get; init; }
}
