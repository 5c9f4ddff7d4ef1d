using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Session;
using EdgeLB.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>A speaker session wired to fakes (announcer, forwarder, interfaces) and a token file.</summary>
internal sealed class SessionHarness : IAsyncDisposable
{
    public static readonly MacAddress Eth0Mac = MacAddress.Parse("02:00:00:00:06:01");

    private readonly CancellationTokenSource _stopping = new();
    private readonly IDisposable _claimSubscription;
    private Task? _run;

    public SessionHarness(TimeProvider time, Func<SessionOptions, SessionOptions>? adjust, EventLog? log, params ControllerEndpoint[] controllers)
    {
        Time = time;
        Log = log ?? new EventLog();
        TokenFile = Path.Combine(Path.GetTempPath(), $"edgelb-speaker6-token-{Guid.NewGuid():N}");
        File.WriteAllText(TokenFile, "token-one\n");
        Interfaces =
        [
            new LinkInterface("lo", 1, MacAddress.Zero, true, true, LinkOperationalState.Unknown, [new InterfaceAddress(IPAddress.Loopback, 8)]),
            new LinkInterface("eth0", 2, Eth0Mac, true, true, LinkOperationalState.Up,
                [new InterfaceAddress(IPAddress.Parse("198.18.6.11"), 24), new InterfaceAddress(IPAddress.Parse("2001:db8:6::11"), 64), new InterfaceAddress(IPAddress.Parse("fe80::11"), 64)]),
            new LinkInterface("edgelb0", 3, MacAddress.Parse("02:00:00:00:06:99"), true, true, LinkOperationalState.Unknown, []),
        ];
        var options = new SessionOptions
        {
            Controllers = controllers,
            NodeName = "node-a",
            TokenFile = TokenFile,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(100),
            DrainTimeout = TimeSpan.FromSeconds(5),

            // Most tests claim a VIP right after assigning it; the grace has its own test.
            NewHolderGrace = TimeSpan.Zero,

            // Most tests check that forwarding stops with the VIP; the linger has its own test.
            ForwardingLinger = TimeSpan.Zero,
        };
        Options = adjust?.Invoke(options) ?? options;
        Arbiter = new ClaimArbiter(Options.NewHolderGrace, time);
        Announcer = new FakeAnnouncer(time, Log);
        Forwarder = new FakeForwarder(Log);
        var inventory = new NodeInventory(Options, () => Interfaces);
        Handoff = new EdgeLB.Speaker.Forwarding.ConnectionHandoffService(Commands, time, NullLogger.Instance);
        Table = new AssignmentTable(Announcer, Forwarder, inventory, time, NullLogger.Instance, Options.ForwardingLinger, Handoff);
        _claimSubscription = Announcer.OnClaim(Arbiter.Decide);
        Session = new SpeakerSession(Options, Table, Arbiter, inventory, Announcer, Forwarder.HealthSnapshot, time, NullLogger.Instance);
    }

    public TimeProvider Time { get; }

    public string TokenFile { get; }

    public List<LinkInterface> Interfaces { get; }

    public SessionOptions Options { get; }

    public EventLog Log { get; }

    public FakeAnnouncer Announcer { get; }

    public FakeForwarder Forwarder { get; }

    public ClaimArbiter Arbiter { get; }

    public AssignmentTable Table { get; }

    /// <summary>The nft scripts of connection handovers.</summary>
    public FakeCommands Commands { get; } = new();

    public EdgeLB.Speaker.Forwarding.ConnectionHandoffService Handoff { get; }

    public SpeakerSession Session { get; }

    public Task Run => _run ?? Task.CompletedTask;

    public void Start() => _run = Session.RunAsync(_stopping.Token);

    /// <summary>SIGTERM: cancels the run; returns the run task so the test can watch the drain.</summary>
    public Task Stop()
    {
        _stopping.Cancel();
        return Run;
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var end = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException("timed out waiting until " + what);
            }

            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        var end = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!Run.IsCompleted && DateTime.UtcNow < end)
        {
            // A drain waits on the clock; a manual one has to be moved for it.
            (Time as ManualTimeProvider)?.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(Run, Task.Delay(10));
        }

        _claimSubscription.Dispose();
        Session.Dispose();
        Table.Dispose();
        _stopping.Dispose();
        File.Delete(TokenFile);
    }
}
