namespace EdgeLB.Speaker.Tests;

/// <summary>
/// These tests block pool threads on purpose (synchronous calls into namespace threads, short sleeps
/// to prove silence), so on a two-core machine the pool would otherwise add threads only about once a
/// second and timer continuations, such as a probe's deadline, would run late.
/// </summary>
internal static class TestThreadPool
{
    private static readonly Lazy<bool> Widened = new(() => ThreadPool.SetMinThreads(Math.Max(32, Environment.ProcessorCount), Math.Max(32, Environment.ProcessorCount)));

    public static void EnsureWide() => _ = Widened.Value;
}
