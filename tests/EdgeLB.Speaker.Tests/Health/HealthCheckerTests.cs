using System.Net;
using System.Net.Sockets;
using EdgeLB.Speaker.Health;
using EdgeLB.Testing;
using Polly.CircuitBreaker;

namespace EdgeLB.Speaker.Tests.Health;

public sealed class HealthCheckerTests
{
    private static readonly HealthTarget Target = new(new IPEndPoint(IPAddress.Parse("198.18.0.1"), 30080), HealthCheckKind.TcpConnect);
    private readonly ManualTimeProvider _time = new();
    private readonly ScriptedProbe _probe = new();

    [Fact]
    public void DeadBackend_GoesDownAfterFallChecks_WithinOneSecond_AndComesBackAfterRise()
    {
        var options = new HealthCheckOptions();
        using var checker = new HealthChecker(options, _probe, _time);
        var transitions = new List<HealthTransition>();
        checker.Changed += (_, t) => transitions.Add(t);
        using var handle = checker.Track(Target);
        Assert.True(handle.IsAvailable);
        Assert.Equal(1, _probe.Calls); // first check at once

        _probe.Failure = "connect: ConnectionRefused";
        var died = _time.GetUtcNow();
        _time.Advance(options.Interval);
        Assert.True(handle.IsAvailable);
        _time.Advance(options.Interval);
        Assert.False(handle.IsAvailable);
        var down = Assert.Single(transitions);
        Assert.False(down.Available);
        Assert.Equal(TimeSpan.FromMilliseconds(500), down.At - died);
        Assert.Equal("connect: ConnectionRefused", down.Reason);

        _probe.Failure = null;
        _time.Advance(options.Interval);
        Assert.False(handle.IsAvailable);
        _time.Advance(options.Interval);
        Assert.True(handle.IsAvailable);
        Assert.Equal(2, transitions.Count);

        var report = Assert.Single(checker.Snapshot());
        Assert.Equal(HealthState.Up, report.State);
        Assert.Equal("connect: ConnectionRefused", report.LastError);
    }

    [Fact]
    public async Task HangingProbe_CountsAsFailedAfterTheTimeout()
    {
        var options = new HealthCheckOptions();
        using var checker = new HealthChecker(options, _probe, _time);
        using var handle = checker.Track(Target);
        _probe.Hang = true;

        _time.Advance(options.Interval); // probe starts, hangs
        _time.Advance(options.Timeout); // times out: failure 1 (the cancelled probe may finish on another thread)
        Assert.True(await EventuallyAsync(() => checker.Snapshot()[0].LastError == "timeout"));
        Assert.True(handle.IsAvailable);
        _time.Advance(options.Interval - options.Timeout); // next probe starts, hangs
        Assert.Equal(3, _probe.Calls);
        _time.Advance(options.Timeout); // failure 2: down
        Assert.True(await EventuallyAsync(() => !handle.IsAvailable));
        Assert.Equal("timeout", Assert.Single(checker.Snapshot()).LastError);
    }

    [Fact]
    public async Task PassiveFailures_OpenTheCircuit_AndAPassingCheckClosesIt()
    {
        var options = new HealthCheckOptions();
        using var checker = new HealthChecker(options, _probe, _time);
        var transitions = new List<HealthTransition>();
        checker.Changed += (_, t) => transitions.Add(t);
        using var handle = checker.Track(Target);

        for (var i = 0; i < options.BreakerMinimumThroughput; i++)
        {
            await Assert.ThrowsAsync<SocketException>(() => handle.ExecuteAsync<bool, int>((_, _) => throw new SocketException((int)SocketError.ConnectionRefused), 0, default).AsTask());
        }

        Assert.False(handle.IsAvailable);
        Assert.StartsWith("passive:", Assert.Single(transitions).Reason, StringComparison.Ordinal);
        Assert.True(Assert.Single(checker.Snapshot()).CircuitOpen);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => handle.ExecuteAsync<bool, int>((_, _) => ValueTask.FromResult(true), 0, default).AsTask());

        _time.Advance(options.Interval); // the active check passes: the backend is back at once
        Assert.True(await EventuallyAsync(() => handle.IsAvailable));
        Assert.True(await handle.ExecuteAsync<bool, int>((_, _) => ValueTask.FromResult(true), 0, default));
    }

    [Fact]
    public void Tracking_IsReferenceCounted()
    {
        using var checker = new HealthChecker(new HealthCheckOptions(), _probe, _time);
        var a = checker.Track(Target);
        var b = checker.Track(Target);
        a.Dispose();
        Assert.Single(checker.Snapshot());
        b.Dispose();
        Assert.Empty(checker.Snapshot());

        var calls = _probe.Calls;
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(calls, _probe.Calls);
    }

    /// <summary>Lets continuations that the test framework's context queued run before asserting.</summary>
    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        return condition();
    }

    private sealed class ScriptedProbe : IHealthProbe
    {
        public string? Failure { get; set; }

        public bool Hang { get; set; }

        public int Calls { get; private set; }

        public async ValueTask<string?> ProbeAsync(HealthTarget target, CancellationToken cancellationToken)
        {
            Calls++;
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }

            return Failure;
        }
    }
}
