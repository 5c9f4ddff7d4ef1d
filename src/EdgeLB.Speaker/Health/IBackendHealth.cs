namespace EdgeLB.Speaker.Health;

/// <summary>The health view a data plane uses: track targets, ask availability, report connects.</summary>
internal interface IBackendHealth
{
    /// <summary>Starts checking <paramref name="target"/> (reference counted) until the handle is disposed.</summary>
    IBackendHealthHandle Track(HealthTarget target);

    /// <summary>Raised after a backend's availability changes (from the checker's timer or a connect).</summary>
    event EventHandler<HealthTransition>? Changed;

    IReadOnlyList<BackendHealthReport> Snapshot();
}
