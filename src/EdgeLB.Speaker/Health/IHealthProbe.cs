namespace EdgeLB.Speaker.Health;

/// <summary>One active check of one target.</summary>
internal interface IHealthProbe
{
    /// <summary>Returns null when the target passed, else why it failed. Cancellation means timeout.</summary>
    ValueTask<string?> ProbeAsync(HealthTarget target, CancellationToken cancellationToken);
}
