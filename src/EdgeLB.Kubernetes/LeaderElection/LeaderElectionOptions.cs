namespace EdgeLB.Kubernetes.LeaderElection;

/// <summary>Leader election on a coordination.k8s.io/v1 Lease; defaults are client-go's.</summary>
public sealed class LeaderElectionOptions
{
    public required string LeaseNamespace { get; init; }

    public required string LeaseName { get; init; }

    /// <summary>Unique per candidate, e.g. the Pod name.</summary>
    public required string Identity { get; init; }

    /// <summary>How long non-leaders wait, after they last saw the lease change, before taking it. Defaults to 15 s.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leading. Defaults to 10 s.</summary>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts. Defaults to 2 s.</summary>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Write an empty holder when stopped gracefully, so another candidate takes over at once. Defaults to true.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>client-go's JitterFactor: attempts are spaced RetryPeriod × [1, 1.2).</summary>
    public const double JitterFactor = 1.2;
}
