namespace EdgeLB.Speaker.Health;

/// <summary>A tracked target: cheap availability reads on the hot path and passive reporting.</summary>
internal interface IBackendHealthHandle : IDisposable
{
    HealthTarget Target { get; }

    /// <summary>Up by active checks and not held out by an open circuit.</summary>
    bool IsAvailable { get; }

    /// <summary>
    /// Runs one connect attempt through the target's circuit breaker, so refused or timed-out
    /// connects count as passive failures. Throws Polly's BrokenCircuitException while open.
    /// </summary>
    ValueTask<T> ExecuteAsync<T, TState>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, CancellationToken cancellationToken);
}
