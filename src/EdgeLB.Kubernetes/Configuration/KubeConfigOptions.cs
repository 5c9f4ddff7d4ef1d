using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>Which kubeconfig, and which context in it.</summary>
public sealed class KubeConfigOptions
{
    /// <summary>An explicit file (--kubeconfig). When null: $KUBECONFIG (a colon list), then ~/.kube/config.</summary>
    public string? Path { get; init; }

    /// <summary>A context name; null uses current-context.</summary>
    public string? Context { get; init; }

    /// <summary>Environment lookup; defaults to the process environment.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>How often a tokenFile is re-read. Defaults to one minute.</summary>
    public TimeSpan TokenRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeProvider? Time { get; init; }

    public ILogger? Logger { get; init; }
}
