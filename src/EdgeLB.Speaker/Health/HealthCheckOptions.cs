using Microsoft.Extensions.Options;

namespace EdgeLB.Speaker.Health;

/// <summary>
/// Active check settings. The defaults remove a dead backend within 1 s: a check every 250 ms,
/// each allowed 200 ms, down after 2 failures in a row. A backend dying just after a passing check
/// fails the next one at +250 ms (a refused connect fails at once; a silent host at +450 ms after the
/// timeout) and the second at +500..700 ms, so it is down in at most 700 ms. Two failures rather than
/// one keep a single lost SYN on a busy link from flapping a backend; 200 ms is ~1000x a LAN round
/// trip. Rise 2 (500 ms) makes a restarting backend prove itself twice before it takes traffic.
/// Cost: 4 connects per second per backend node, negligible next to the forwarded traffic.
/// </summary>
internal sealed record HealthCheckOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Consecutive passing checks that bring a down backend up.</summary>
    public int Rise { get; init; } = 2;

    /// <summary>Consecutive failing checks that take an up backend down.</summary>
    public int Fall { get; init; } = 2;

    /// <summary>Path of the HTTP check; kube-proxy serves /healthz on healthCheckNodePort.</summary>
    public string HttpPath { get; init; } = "/healthz";

    /// <summary>
    /// Passive detection: the share of the forwarder's connects to one backend that must fail within
    /// <see cref="BreakerSamplingDuration"/> (and at least <see cref="BreakerMinimumThroughput"/> of
    /// them) to open that backend's circuit before the active checks notice.
    /// </summary>
    public double BreakerFailureRatio { get; init; } = 0.5;

    public int BreakerMinimumThroughput { get; init; } = 3;

    public TimeSpan BreakerSamplingDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an opened circuit keeps the backend out before one trial connect.</summary>
    public TimeSpan BreakerBreakDuration { get; init; } = TimeSpan.FromSeconds(1);

    public void Validate()
    {
        if (Interval <= TimeSpan.Zero || Timeout <= TimeSpan.Zero)
        {
            throw Invalid("health check interval and timeout must be positive");
        }

        if (Timeout > Interval)
        {
            throw Invalid($"health check timeout must not exceed the interval {Interval}");
        }

        if (Rise < 1 || Fall < 1)
        {
            throw Invalid("rise and fall must be at least 1");
        }

        if (string.IsNullOrEmpty(HttpPath) || HttpPath[0] != '/' || HttpPath.Any(char.IsWhiteSpace))
        {
            throw Invalid($"health check path '{HttpPath}' must start with '/' and contain no spaces");
        }

        // Polly's circuit breaker refuses shorter windows.
        if (BreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            throw Invalid("breaker durations must be at least 500 ms");
        }

        if (BreakerFailureRatio is <= 0 or > 1 || BreakerMinimumThroughput < 2)
        {
            throw Invalid("breaker ratio must be in (0, 1] and minimum throughput at least 2");
        }
    }

    private static OptionsValidationException Invalid(string message) =>
        new(nameof(HealthCheckOptions), typeof(HealthCheckOptions), [message]);
}
