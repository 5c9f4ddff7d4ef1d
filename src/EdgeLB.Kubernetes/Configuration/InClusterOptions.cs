using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes.Configuration;

/// <summary>Options for <see cref="InClusterConfig"/>; the defaults are what a Pod sees.</summary>
public sealed class InClusterOptions
{
    /// <summary>Defaults to /var/run/secrets/kubernetes.io/serviceaccount.</summary>
    public string ServiceAccountDirectory { get; init; } = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>Environment lookup; defaults to the process environment.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>How often the token file is re-read. Defaults to one minute, as client-go does.</summary>
    public TimeSpan TokenRefreshInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeProvider? Time { get; init; }

    public ILogger? Logger { get; init; }
}
