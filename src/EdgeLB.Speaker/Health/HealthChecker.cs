using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using EdgeLB.Speaker.Forwarding;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EdgeLB.Speaker.Health;

/// <summary>
/// Checks every tracked backend on its own timer (active) and wraps the forwarder's connects in a
/// per-backend Polly circuit breaker (passive). A backend is available while its checks say up and
/// its circuit is not open. Transitions are raised as events and counted; <see cref="Snapshot"/> is
/// what heartbeats carry.
/// </summary>
internal sealed partial class HealthChecker : IBackendHealth, IDisposable
{
    private readonly HealthCheckOptions _options;
    private readonly IHealthProbe _probe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ForwardingMetrics? _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<HealthTarget, Entry> _entries = [];
    private bool _disposed;

    public HealthChecker(
        HealthCheckOptions options,
        IHealthProbe probe,
        TimeProvider? time = null,
        ILogger<HealthChecker>? logger = null,
        ForwardingMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _probe = probe;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<HealthChecker>.Instance;
        _metrics = metrics;
        _metrics?.ObserveHealth(Snapshot);
    }

    public event EventHandler<HealthTransition>? Changed;

    public IBackendHealthHandle Track(HealthTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Entry? started = null;
        Entry entry;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_entries.TryGetValue(target, out var existing))
            {
                existing = new Entry(this, target);
                _entries.Add(target, existing);
                started = existing;
            }

            existing.References++;
            entry = existing;
        }

        // First check right away: a backend that is already dead should not wait a whole interval.
        started?.Start();
        return new Handle(this, entry);
    }

    public IReadOnlyList<BackendHealthReport> Snapshot()
    {
        lock (_gate)
        {
            return [.. _entries.Values.Select(e => e.Report())];
        }
    }

    public void Dispose()
    {
        List<Entry> entries;
        lock (_gate)
        {
            _disposed = true;
            entries = [.. _entries.Values];
            _entries.Clear();
        }

        foreach (var e in entries)
        {
            e.Stop();
        }
    }

    private void Release(Entry entry)
    {
        lock (_gate)
        {
            if (--entry.References > 0 || !_entries.Remove(entry.Target))
            {
                return;
            }
        }

        entry.Stop();
    }

    private void Raise(Entry entry, bool available, string reason)
    {
        var transition = new HealthTransition(entry.Target, available, reason, _time.GetUtcNow());
        HealthLog.Transition(_logger, entry.Target, available ? "available" : "unavailable", reason);
        _metrics?.HealthTransition(entry.Target, available);
        try
        {
            Changed?.Invoke(this, transition);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            HealthLog.HandlerThrew(_logger, ex);
        }
    }

    private sealed class Entry : IDisposable
    {
        private readonly HealthChecker _owner;
        private readonly HealthStateMachine _machine;
        private readonly CircuitBreakerStateProvider _circuit = new();
        private readonly CircuitBreakerManualControl _manual = new();
        private readonly CancellationTokenSource _stop = new();
        private readonly ResiliencePipeline _breaker;
        private ITimer? _timer;
        private int _probing;
        private bool _available = true;
        private string? _lastError;
        private DateTimeOffset _since;

        public Entry(HealthChecker owner, HealthTarget target)
        {
            _owner = owner;
            Target = target;
            _machine = new HealthStateMachine(owner._options.Rise, owner._options.Fall);
            _since = owner._time.GetUtcNow();
            var o = owner._options;
            _breaker = new ResiliencePipelineBuilder { TimeProvider = owner._time }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    FailureRatio = o.BreakerFailureRatio,
                    MinimumThroughput = o.BreakerMinimumThroughput,
                    SamplingDuration = o.BreakerSamplingDuration,
                    BreakDuration = o.BreakerBreakDuration,
                    StateProvider = _circuit,
                    ManualControl = _manual,
                    ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is SocketException or TimeoutRejectedException or OperationCanceledException),
                    OnOpened = args =>
                    {
                        _lastError = $"passive: {args.Outcome.Exception?.GetType().Name ?? "failure"}";
                        Reevaluate(_lastError);
                        return ValueTask.CompletedTask;
                    },
                    OnClosed = _ =>
                    {
                        Reevaluate("passive: connects succeed again");
                        return ValueTask.CompletedTask;
                    },
                    OnHalfOpened = _ =>
                    {
                        Reevaluate("passive: trial connect allowed");
                        return ValueTask.CompletedTask;
                    },
                })
                .Build();
        }

        public HealthTarget Target { get; }

        public int References { get; set; }

        public bool IsAvailable => Volatile.Read(ref _available);

        public void Start()
        {
            _timer = _owner._time.CreateTimer(static s => ((Entry)s!).Tick(), this, _owner._options.Interval, _owner._options.Interval);
            Tick();
        }

        public void Stop() => Dispose();

        public void Dispose()
        {
            _timer?.Dispose();
            _stop.Cancel();
        }

        public BackendHealthReport Report()
        {
            lock (this)
            {
                return new BackendHealthReport(Target, _machine.State, _circuit.CircuitState == CircuitState.Open, _available, _lastError, _since);
            }
        }

        public ValueTask<T> ExecuteAsync<T, TState>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, CancellationToken cancellationToken) =>
            _breaker.ExecuteAsync(static (s, ct) => s.action(s.state, ct), (action, state), cancellationToken);

        [SuppressMessage("Design", "CA1031", Justification = "a probe failure of any kind is a failed check, never a crashed timer")]
        private void Tick()
        {
            if (_stop.IsCancellationRequested || Interlocked.Exchange(ref _probing, 1) == 1)
            {
                return;
            }

            _ = RunProbeAsync();
        }

        [SuppressMessage("Design", "CA1031", Justification = "a probe failure of any kind is a failed check")]
        private async Task RunProbeAsync()
        {
            string? failure;
            using var timeout = new CancellationTokenSource(_owner._options.Timeout, _owner._time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
            try
            {
                // Continue on the thread that completed the probe, so a controllable clock sees the result at once.
                failure = await _owner._probe.ProbeAsync(Target, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                failure = "timeout";
            }
            catch (Exception ex)
            {
                HealthLog.CheckThrew(_owner._logger, Target, ex);
                failure = ex.Message;
            }
            finally
            {
                Volatile.Write(ref _probing, 0);
            }

            if (_stop.IsCancellationRequested)
            {
                return;
            }

            if (failure is not null)
            {
                HealthLog.CheckFailed(_owner._logger, Target, failure);
            }
            else if (_circuit.CircuitState is CircuitState.Open or CircuitState.HalfOpen)
            {
                // An open circuit keeps the backend out of selection, so no trial connect would ever
                // close it; a passing active check is that trial.
                await _manual.CloseAsync(CancellationToken.None).ConfigureAwait(false);
                Reevaluate("active check passed");
            }

            bool changed;
            lock (this)
            {
                if (failure is not null)
                {
                    _lastError = failure;
                }

                changed = _machine.Record(failure is null);
            }

            if (changed)
            {
                Reevaluate(failure ?? $"passed {_owner._options.Rise} checks");
            }
        }

        private void Reevaluate(string reason)
        {
            bool now;
            lock (this)
            {
                now = _machine.State == HealthState.Up && _circuit.CircuitState != CircuitState.Open;
                if (now == _available)
                {
                    return;
                }

                _available = now;
                _since = _owner._time.GetUtcNow();
            }

            _owner.Raise(this, now, reason);
        }
    }

    private sealed class Handle(HealthChecker owner, Entry entry) : IBackendHealthHandle
    {
        private int _disposed;

        public HealthTarget Target => entry.Target;

        public bool IsAvailable => entry.IsAvailable;

        public ValueTask<T> ExecuteAsync<T, TState>(Func<TState, CancellationToken, ValueTask<T>> action, TState state, CancellationToken cancellationToken) =>
            entry.ExecuteAsync(action, state, cancellationToken);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(entry);
            }
        }
    }
}
