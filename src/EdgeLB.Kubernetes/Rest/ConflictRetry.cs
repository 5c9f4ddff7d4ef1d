using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>
/// client-go's RetryOnConflict: run a read-modify-write again when the write hits 409 Conflict,
/// with a short jittered pause (10 ms steps), a bounded number of times.
/// </summary>
public static class ConflictRetry
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> attempt, int maxAttempts, TimeProvider time, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt(cancellationToken);
            }
            catch (KubernetesConflictException) when (i < maxAttempts)
            {
                if (logger is not null)
                {
                    KubernetesLog.ConflictRetry(logger, i);
                }

                var pause = TimeSpan.FromMilliseconds(10 * (1 + (0.1 * Random.Shared.NextDouble())));
                await Task.Delay(pause, time, cancellationToken);
            }
        }
    }
}
