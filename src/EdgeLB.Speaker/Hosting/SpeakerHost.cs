using EdgeLB.Core.Observability;
using EdgeLB.Net.Interfaces;
using EdgeLB.Rpc.Hosting;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;
using EdgeLB.Speaker.Session;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Hosting;

/// <summary>
/// The speaker process: announcer, forwarder with its health checker, the session with the
/// coordinator, and the HTTP endpoint with /healthz, /readyz (200 while a session with the leader is
/// open) and /metrics. <see cref="RunAsync"/> returns after the SIGTERM drain.
/// </summary>
public sealed class SpeakerHost : IAsyncDisposable
{
    private readonly SpeakerOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly PrometheusExporter _exporter = new();
    private readonly ForwardingMetrics _forwardingMetrics = new();
    private readonly HealthChecker _health;
    private readonly ForwardingService _forwarder;
    private readonly Announcer _announcer;
    private readonly NodeInventory _inventory;
    private readonly AssignmentTable _table;
    private readonly ConnectionHandoffService _handoff;
    private readonly HolderProbe _probe;
    private readonly ClaimArbiter _arbiter;
    private readonly IDisposable _claims;
    private readonly SpeakerSession _session;
    private readonly SessionOptions _sessionOptions;
    private readonly TimeProvider _time;
    private readonly bool _userspace;
    private ProbeEndpoint? _http;

    public SpeakerHost(SpeakerOptions options, ILoggerFactory loggers, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid speaker settings: " + string.Join("; ", problems), nameof(options));
        }

        time ??= TimeProvider.System;
        _options = options;
        _loggers = loggers;
        _logger = loggers.CreateLogger("EdgeLB.Speaker");
        var forwarding = options.ToForwardingOptions();
        forwarding.Validate();
        _userspace = forwarding.DataPlane == DataPlaneKind.Userspace;
        var commands = new ProcessCommandRunner();
        _health = new HealthChecker(new HealthCheckOptions(), new SocketHealthProbe(DefaultSocketFactory.Instance), time, loggers.CreateLogger<HealthChecker>(), _forwardingMetrics);
        IDataPlane plane = forwarding.DataPlane == DataPlaneKind.Nftables
            ? new NftablesDataPlane(commands, forwarding, loggers.CreateLogger<NftablesDataPlane>())
            : new UserspaceDataPlane(forwarding, DefaultSocketFactory.Instance, time, _forwardingMetrics, loggers.CreateLogger<UserspaceDataPlane>());
        _forwarder = new ForwardingService(plane, new DummyInterfaceVipBinder(commands, forwarding, InterfaceAddressEditor.Open), _health, time, loggers.CreateLogger<ForwardingService>());
        _announcer = new Announcer(new HostLinkEnvironment(), new AnnouncerOptions(), time, loggers.CreateLogger("EdgeLB.Speaker.Announcing"));
        var session = options.ToSessionOptions(forwarding.InterfaceName);
        _sessionOptions = session;
        _time = time;
        _inventory = new NodeInventory(session, InterfaceCatalog.GetInterfaces);
        _arbiter = new ClaimArbiter(session.NewHolderGrace, time);
        var sessionLogger = loggers.CreateLogger("EdgeLB.Speaker.Session");
        _handoff = new ConnectionHandoffService(commands, time, loggers.CreateLogger<ConnectionHandoffService>());
        _table = new AssignmentTable(_announcer, _forwarder, _inventory, time, sessionLogger, session.ForwardingLinger, _handoff);
        _claims = _announcer.OnClaim(_arbiter.Decide);
        _probe = new HolderProbe(time, sessionLogger);
        _session = new SpeakerSession(session, _table, _arbiter, _inventory, _announcer, _forwarder.HealthSnapshot, time, sessionLogger) { Probe = _probe };
    }

    /// <summary>A session with the leader is open: the state /readyz reports.</summary>
    public bool IsReady => _session.IsEstablished;

    /// <summary>The address the HTTP endpoint listens on, once started.</summary>
    public Uri? HttpAddress { get; private set; }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (SIGTERM), then drains and returns.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        SpeakerHostLog.Starting(_logger, _options.ResolvedNodeName!, _options.Controller, _options.DataPlane, _options.HttpListen);
        _http = await ProbeEndpoint.StartAsync(
            _options.HttpListen,
            _loggers,
            () => _session.IsEstablished
                ? (true, $"session with {_session.Controller}")
                : (false, $"no session with the leader ({_session.Phase.ToString().ToLowerInvariant()})"),
            _exporter.Render,
            cancellationToken);
        HttpAddress = _http.Address;

        await _forwarder.StartAsync(cancellationToken);
        await _handoff.ClearAsync(cancellationToken);
        foreach (var link in _inventory.Offered())
        {
            try
            {
                _announcer.Preflight(link.Name); // opens the socket now, so the first Assign is fast
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.Net.Sockets.SocketException or IOException)
            {
                SpeakerHostLog.PreflightFailed(_logger, ex, link.Name);
            }
        }

        try
        {
            var (compiled, took) = await TakeoverWarmup.RunAsync(_sessionOptions, _time, _userspace);
            SpeakerHostLog.WarmedUp(_logger, (long)took.TotalMilliseconds, compiled);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            SpeakerHostLog.WarmUpFailed(_logger, ex); // only the first takeover is slower
        }

        await _session.RunAsync(cancellationToken);
        SpeakerHostLog.Stopped(_logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync();
        }

        _claims.Dispose();
        _session.Dispose();
        _probe.Dispose();
        _table.Dispose();
        _announcer.Dispose();
        await _forwarder.DisposeAsync();
        await _handoff.ClearAsync(CancellationToken.None);
        _handoff.Dispose();
        _health.Dispose();
        _forwardingMetrics.Dispose();
        _exporter.Dispose();
    }
}
