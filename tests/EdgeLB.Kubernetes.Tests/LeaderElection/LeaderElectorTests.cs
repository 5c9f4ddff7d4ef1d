using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.LeaderElection;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Tests.Fakes;
using EdgeLB.Testing;

namespace EdgeLB.Kubernetes.Tests.LeaderElection;

/// <summary>
/// Two candidates on one Lease, on a manual clock: the clock moves in steps and each step gives
/// the candidates a moment of real time to talk to the (real HTTP) fake server.
/// </summary>
public sealed class LeaderElectorTests : IAsyncLifetime
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);
    private readonly ManualTimeProvider _clock = new();
    private readonly List<(Task<bool> Run, CancellationTokenSource Stop)> _running = [];
    private FakeApiServer _server = null!;
    private KubeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _client = FakeApi.Client(_server, new KubeApiOptions { MaxRetryAttempts = 0 }, _clock);
    }

    public async Task DisposeAsync()
    {
        foreach (var (run, stop) in _running)
        {
            await stop.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(10));
            stop.Dispose();
        }

        _client.Dispose();
        await _server.DisposeAsync();
    }

    private LeaderElector Candidate(string identity, bool releaseOnCancel = true, RecordingLogger? logger = null) => new(
        _client,
        new LeaderElectionOptions
        {
            LeaseNamespace = "edgelb-system",
            LeaseName = "edgelb-controller",
            Identity = identity,
            ReleaseOnCancel = releaseOnCancel,
        },
        logger);

    private CancellationTokenSource Run(LeaderElector elector)
    {
        var stop = new CancellationTokenSource();
        _running.Add((elector.RunAsync(stop.Token), stop));
        return stop;
    }

    /// <summary>Advances the clock step by step until <paramref name="done"/>, checking there is never more than one leader.</summary>
    private async Task<TimeSpan> StepUntil(Func<bool> done, TimeSpan limit, params LeaderElector[] all)
    {
        var start = _clock.GetUtcNow();
        while (!done())
        {
            Assert.True(all.Count(e => e.IsLeader) <= 1, "two leaders at once");
            if (_clock.GetUtcNow() - start > limit)
            {
                Assert.Fail($"not done within {limit.TotalSeconds} s of clock time");
            }

            _clock.Advance(Step);
            await SettleAsync();
        }

        Assert.True(all.Count(e => e.IsLeader) <= 1, "two leaders at once");
        return _clock.GetUtcNow() - start;
    }

    /// <summary>Waits (in real time) until the candidates have finished talking to the server.</summary>
    private async Task SettleAsync()
    {
        for (var i = 0; i < 400; i++)
        {
            var before = _server.RequestCount;
            await Task.Delay(5);
            if (_server.InFlight == 0 && _server.RequestCount == before)
            {
                return;
            }
        }
    }

    /// <summary>The first acquisition needs no clock movement, only the first requests (slow in a cold process).</summary>
    private static async Task WaitLeading(LeaderElector elector)
    {
        for (var i = 0; i < 1000 && !elector.IsLeader; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(elector.IsLeader, $"{elector.Identity} did not take the free lease");
    }

    private async Task StepFor(TimeSpan duration, params LeaderElector[] all)
    {
        var end = _clock.GetUtcNow() + duration;
        await StepUntil(() => _clock.GetUtcNow() >= end, duration + Step, all);
    }

    private JsonObject Lease() => _server.Snapshot("coordination.k8s.io/v1/leases")["edgelb-system/edgelb-controller"];

    [Fact]
    public async Task TwoCandidates_ExactlyOneLeads_CrashHandsOverWithinLeaseDurationPlusTwoRetries()
    {
        var a = Candidate("a", releaseOnCancel: false);
        var b = Candidate("b");
        var started = new List<string>();
        var newLeaders = new List<string>();
        a.OnStartedLeading = _ => started.Add("a");
        b.OnStartedLeading = _ => started.Add("b");
        b.OnNewLeader = newLeaders.Add;
        var stopA = Run(a);
        await WaitLeading(a);
        Run(b);

        // Thirty seconds of renewals: a keeps leading, b only watches.
        await StepFor(TimeSpan.FromSeconds(30), a, b);
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        Assert.Equal("a", b.ObservedLeader);
        Assert.Equal("a", Lease()["spec"]!["holderIdentity"]!.GetValue<string>());

        // a crashes (stops renewing, does not release).
        await stopA.CancelAsync();
        var takeover = await StepUntil(() => b.IsLeader, TimeSpan.FromSeconds(30), a, b);
        // client-go's bound: b saw a's last renewal at most one jittered retry period after it was
        // written, waits a lease duration from that observation, then needs one more attempt.
        var bound = TimeSpan.FromSeconds(15) + (2 * TimeSpan.FromSeconds(2) * LeaderElectionOptions.JitterFactor) + Step;
        Assert.True(takeover <= bound, $"takeover took {takeover.TotalSeconds} s, bound {bound.TotalSeconds} s");
        Assert.True(takeover >= TimeSpan.FromSeconds(15) - (TimeSpan.FromSeconds(2) * LeaderElectionOptions.JitterFactor), $"b took over after only {takeover.TotalSeconds} s");
        Assert.Equal(["a", "b"], started);
        Assert.Equal(["a", "b"], newLeaders);
        Assert.Equal("b", Lease()["spec"]!["holderIdentity"]!.GetValue<string>());
        Assert.Equal(1, Lease()["spec"]!["leaseTransitions"]!.GetValue<int>());
        Assert.EndsWith("Z", Lease()["spec"]!["renewTime"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GracefulStop_ReleasesLease_OtherTakesOverWithinARetryPeriod()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        var stopped = 0;
        a.OnStoppedLeading = () => stopped++;
        var stopA = Run(a);
        await WaitLeading(a);
        Run(b);
        await StepFor(TimeSpan.FromSeconds(5), a, b);

        await stopA.CancelAsync();
        await WaitForReleaseAsync();
        Assert.Equal(1, stopped);
        Assert.Equal(1, Lease()["spec"]!["leaseDurationSeconds"]!.GetValue<int>());

        var takeover = await StepUntil(() => b.IsLeader, TimeSpan.FromSeconds(15), a, b);
        Assert.True(takeover <= (TimeSpan.FromSeconds(2) * LeaderElectionOptions.JitterFactor) + Step, $"takeover took {takeover.TotalSeconds} s");
        Assert.Equal("b", Lease()["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    private async Task WaitForReleaseAsync()
    {
        for (var i = 0; i < 200 && Lease()["spec"]!["holderIdentity"]!.GetValue<string>() != ""; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal("", Lease()["spec"]!["holderIdentity"]!.GetValue<string>());
    }

    [Fact]
    public async Task StolenLease_LeaderStopsWithinRenewDeadline()
    {
        var a = Candidate("a");
        var newLeaders = new List<string>();
        a.OnNewLeader = newLeaders.Add;
        CancellationToken leadingToken = default;
        a.OnStartedLeading = ct => leadingToken = ct;
        Run(a);
        await WaitLeading(a);

        var lease = Lease();
        lease["spec"]!["holderIdentity"] = "intruder";
        _server.Put("coordination.k8s.io/v1/leases", "edgelb-system", lease);
        var lost = await StepUntil(() => !a.IsLeader, TimeSpan.FromSeconds(20), a);
        Assert.True(lost <= TimeSpan.FromSeconds(10) + TimeSpan.FromSeconds(2) + Step, $"kept leading for {lost.TotalSeconds} s");
        Assert.True(leadingToken.IsCancellationRequested);
        Assert.Equal(["a", "intruder"], newLeaders);
    }

    [Fact]
    public async Task ApiOutage_LeaderStepsDown_AndNobodyElseLeads_UntilItRecovers()
    {
        var a = Candidate("a");
        var b = Candidate("b");
        Run(a);
        await WaitLeading(a);
        Run(b);
        await StepFor(TimeSpan.FromSeconds(4), a, b);

        _server.FailNext(100_000, 503);
        var lost = await StepUntil(() => !a.IsLeader, TimeSpan.FromSeconds(20), a, b);
        Assert.True(lost <= TimeSpan.FromSeconds(12) + Step, $"kept leading for {lost.TotalSeconds} s");
        await StepFor(TimeSpan.FromSeconds(20), a, b);
        Assert.False(b.IsLeader);

        _server.ClearFailures();
        await StepUntil(() => b.IsLeader, TimeSpan.FromSeconds(20), a, b);
    }

    [Fact]
    public async Task LeaseThatCannotBeWritten_SaysWhy_AtWarning_WithBackoff()
    {
        var log = new RecordingLogger();
        var a = Candidate("a", logger: log);
        _server.FailNext(100_000, 403);
        Run(a);
        await StepFor(TimeSpan.FromSeconds(60), a);

        Assert.False(a.IsLeader);
        Assert.Contains("injected 403", a.LastError, StringComparison.Ordinal);
        var attempts = log.WithEventId(3023).Count;
        var warnings = log.WithEventId(3026);
        Assert.True(attempts >= 20, $"only {attempts} attempts in 60 s");
        Assert.All(warnings, w => Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, w.Level));
        Assert.All(warnings, w => Assert.Contains("injected 403", w.Message, StringComparison.Ordinal));

        // The first failure, then after 2, 4, 8, 16 … in a row: not one per attempt.
        Assert.Equal(Enumerable.Range(1, attempts).Count(int.IsPow2), warnings.Count);
        Assert.Contains("(1 failed attempts in a row)", warnings[0].Message, StringComparison.Ordinal);
        Assert.Contains($"({1 << int.Log2(attempts)} failed attempts in a row)", warnings[^1].Message, StringComparison.Ordinal);

        _server.ClearFailures();
        await StepUntil(() => a.IsLeader, TimeSpan.FromSeconds(10), a);
        Assert.Null(a.LastError);
        var recovered = Assert.Single(log.WithEventId(3027));
        Assert.Contains($"after {log.WithEventId(3023).Count} failed attempts", recovered.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentException>(() => new LeaderElector(_client, new LeaderElectionOptions { LeaseNamespace = "n", LeaseName = "l", Identity = "a", LeaseDuration = TimeSpan.FromSeconds(5), RenewDeadline = TimeSpan.FromSeconds(10) }));
        Assert.Throws<ArgumentException>(() => new LeaderElector(_client, new LeaderElectionOptions { LeaseNamespace = "n", LeaseName = "l", Identity = "a", RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromSeconds(2) }));
        Assert.Throws<ArgumentException>(() => new LeaderElector(_client, new LeaderElectionOptions { LeaseNamespace = "n", LeaseName = "l", Identity = "" }));
    }
}
