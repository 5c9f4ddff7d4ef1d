using EdgeLB.Kubernetes.LeaderElection;
using EdgeLB.Kubernetes.Rest;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Xunit.Abstractions;
using OurElector = EdgeLB.Kubernetes.LeaderElection.LeaderElector;
using TheirElector = k8s.LeaderElection.LeaderElector;

namespace EdgeLB.Kubernetes.Tests.Referee;

/// <summary>
/// EdgeLB's LeaderElector and KubernetesClient's on one Lease of the in-memory API server: while one
/// leads the other must not, and the other takes over once the first releases the Lease (at once) or
/// stops renewing it (no sooner than a whole lease duration after the last renewal it saw).
/// </summary>
public sealed class LeaderElectionRefereeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string LeaseNamespace = "edgelb-system";
    private const string LeaseName = "edgelb-controller";
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan RenewDeadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetryPeriod = TimeSpan.FromMilliseconds(400);

    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(60));
    private readonly Lock _gate = new();
    private readonly List<string> _overlaps = [];
    private RefereeApiServer _api = null!;
    private int _leaders;

    public async Task InitializeAsync() => _api = await RefereeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _api.DisposeAsync();
        _stop.Dispose();
    }

    /// <summary>A candidate, with when it started and stopped leading and whom it saw lead.</summary>
    private sealed class Candidate(string identity)
    {
        public string Identity { get; } = identity;

        public TaskCompletionSource<DateTimeOffset> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<DateTimeOffset> Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> SawLeaders { get; } = [];

        public CancellationTokenSource Stop { get; } = new();

        public Task Running { get; set; } = Task.CompletedTask;
    }

    private void StartedLeading(Candidate candidate)
    {
        lock (_gate)
        {
            if (++_leaders > 1)
            {
                _overlaps.Add($"{candidate.Identity} started leading while another leads");
            }
        }

        candidate.Started.TrySetResult(DateTimeOffset.UtcNow);
    }

    private void StoppedLeading(Candidate candidate)
    {
        lock (_gate)
        {
            _leaders--;
        }

        candidate.Stopped.TrySetResult(DateTimeOffset.UtcNow);
    }

    private Candidate StartOurs(string identity, bool releaseOnCancel = true)
    {
        var candidate = new Candidate(identity);
        var elector = new OurElector(_api.Ours, new LeaderElectionOptions
        {
            LeaseNamespace = LeaseNamespace,
            LeaseName = LeaseName,
            Identity = identity,
            LeaseDuration = LeaseDuration,
            RenewDeadline = RenewDeadline,
            RetryPeriod = RetryPeriod,
            ReleaseOnCancel = releaseOnCancel,
        })
        {
            OnStartedLeading = _ => StartedLeading(candidate),
            OnStoppedLeading = () => StoppedLeading(candidate),
            OnNewLeader = leader => { lock (candidate.SawLeaders) { candidate.SawLeaders.Add(leader); } },
        };
        var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, candidate.Stop.Token);
        candidate.Running = Task.Run(() => elector.RunAsync(linked.Token), CancellationToken.None);
        return candidate;
    }

    private Candidate StartTheirs(string identity)
    {
        var candidate = new Candidate(identity);
        var elector = new TheirElector(new LeaderElectionConfig(new LeaseLock(_api.Theirs, LeaseNamespace, LeaseName, identity))
        {
            LeaseDuration = LeaseDuration,
            RenewDeadline = RenewDeadline,
            RetryPeriod = RetryPeriod,
        });
        elector.OnStartedLeading += () => StartedLeading(candidate);
        elector.OnStoppedLeading += () => StoppedLeading(candidate);
        elector.OnNewLeader += leader => { lock (candidate.SawLeaders) { candidate.SawLeaders.Add(leader); } };
        elector.OnError += ex => output.WriteLine($"{identity}: {ex.Message}");
        var linked = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, candidate.Stop.Token);
        candidate.Running = Task.Run(
            async () =>
            {
                try
                {
                    await elector.RunUntilLeadershipLostAsync(linked.Token);
                }
                catch (OperationCanceledException)
                {
                }
                finally
                {
                    elector.Dispose();
                }
            },
            CancellationToken.None);
        return candidate;
    }

    private async Task<k8s.Models.V1LeaseSpec> LeaseAsync() =>
        (await _api.Theirs.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, LeaseNamespace)).Spec;

    /// <summary>
    /// Starts a leader, then a follower once it leads: for two lease durations the follower never
    /// leads, and knows who does.
    /// </summary>
    private async Task<(Candidate Leader, Candidate Follower)> LeadAndFollowAsync(Func<Candidate> startLeader, Func<Candidate> startFollower)
    {
        var leader = startLeader();
        await leader.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var follower = startFollower();
        await Task.Delay(LeaseDuration * 2);
        Assert.False(follower.Started.Task.IsCompleted, $"{follower.Identity} led while {leader.Identity} held the lease");
        Assert.False(leader.Stopped.Task.IsCompleted, $"{leader.Identity} lost the lease to a follower");
        Assert.Equal(leader.Identity, (await LeaseAsync()).HolderIdentity);
        lock (follower.SawLeaders)
        {
            Assert.Contains(leader.Identity, follower.SawLeaders);
        }

        return (leader, follower);
    }

    [Fact]
    public async Task EdgeLBLeads_KubernetesClientWaits_ThenTakesOverAtOnceWhenReleased()
    {
        var (ours, theirs) = await LeadAndFollowAsync(() => StartOurs("edgelb-a"), () => StartTheirs("kubernetes-client-b"));

        // A graceful stop writes an empty holder; the other side need not wait for the lease to expire.
        await ours.Stop.CancelAsync();
        await ours.Running.WaitAsync(TimeSpan.FromSeconds(10));
        var released = DateTimeOffset.UtcNow;
        var took = await theirs.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"KubernetesClient took over {(took - released).TotalMilliseconds:F0} ms after the release");
        Assert.True(took - released < LeaseDuration, $"took {(took - released).TotalMilliseconds:F0} ms: it waited for expiry instead of honouring the release");
        Assert.Equal("kubernetes-client-b", (await LeaseAsync()).HolderIdentity);
        Assert.Empty(_overlaps);
    }

    [Fact]
    public async Task KubernetesClientLeads_EdgeLBWaits_ThenTakesOverOnlyAfterTheLeaseExpires()
    {
        var (theirs, ours) = await LeadAndFollowAsync(() => StartTheirs("kubernetes-client-a"), () => StartOurs("edgelb-b"));
        await AssertTakesOverAfterExpiryAsync(theirs, ours);
    }

    [Fact]
    public async Task EdgeLBStopsRenewingWithoutRelease_KubernetesClientTakesOverOnlyAfterExpiry()
    {
        var (ours, theirs) = await LeadAndFollowAsync(() => StartOurs("edgelb-a", releaseOnCancel: false), () => StartTheirs("kubernetes-client-b"));
        await AssertTakesOverAfterExpiryAsync(ours, theirs);
    }

    /// <summary>
    /// Stops <paramref name="leader"/> without a release (a crash, as far as the Lease can tell): the
    /// follower takes over, but not before a lease duration has passed since the last renewal.
    /// </summary>
    private async Task AssertTakesOverAfterExpiryAsync(Candidate leader, Candidate follower)
    {
        await leader.Stop.CancelAsync();
        await leader.Running.WaitAsync(TimeSpan.FromSeconds(10));
        var last = await LeaseAsync();
        Assert.Equal(leader.Identity, last.HolderIdentity);

        await follower.Started.Task.WaitAsync(TimeSpan.FromSeconds(15));
        var taken = await LeaseAsync();
        Assert.Equal(follower.Identity, taken.HolderIdentity);
        Assert.Equal(last.LeaseTransitions + 1, taken.LeaseTransitions);
        var waited = taken.AcquireTime!.Value - last.RenewTime!.Value;
        output.WriteLine($"{follower.Identity} acquired {waited.TotalMilliseconds:F0} ms after {leader.Identity}'s last renewal");
        Assert.True(waited >= LeaseDuration, $"took the lease {waited.TotalMilliseconds:F0} ms after the last renewal, before it expired");
        Assert.Empty(_overlaps);
    }
}
