using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Kubernetes.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Kubernetes.LeaderElection;

/// <summary>
/// client-go's leader election on a Lease. A candidate takes the lease only when it is free or when
/// it has seen no change to it for a whole LeaseDuration, measured on its own clock from when it
/// last observed a change (never from the remote renewTime, so clock skew between nodes does not
/// matter). The leader renews every RetryPeriod and stops leading when it could not renew for
/// RenewDeadline. On graceful stop it releases the lease by writing an empty holder.
/// </summary>
public sealed class LeaderElector
{
    private readonly IKubeApi _client;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _leaseName;
    private LeaseSpec? _observedRecord;
    private string? _observedResourceVersion;
    private DateTimeOffset _observedTime;
    private string? _reportedLeader;
    private volatile bool _leading;
    private volatile string? _lastError;
    private int _failuresInARow;

    public LeaderElector(IKubeApi client, LeaderElectionOptions options, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _client = client;
        _options = options;
        _time = time ?? client.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
        _leaseName = $"{options.LeaseNamespace}/{options.LeaseName}";
    }

    /// <summary>Called when this candidate becomes leader; the token fires when it stops leading.</summary>
    public Action<CancellationToken>? OnStartedLeading { get; set; }

    /// <summary>Called when this candidate stops leading (lost the lease, or stopped).</summary>
    public Action? OnStoppedLeading { get; set; }

    /// <summary>Called with the holder's identity whenever an observed holder differs from the last reported one.</summary>
    public Action<string>? OnNewLeader { get; set; }

    public string Identity => _options.Identity;

    /// <summary>True between StartedLeading and StoppedLeading.</summary>
    public bool IsLeader => _leading;

    /// <summary>The holder this candidate last observed ("" when free).</summary>
    public string? ObservedLeader => _observedRecord?.HolderIdentity;

    /// <summary>
    /// Why the last attempt to read or write the Lease failed (the API server's answer, e.g. the
    /// namespace does not exist or the request is Forbidden); null once an attempt succeeds.
    /// </summary>
    public string? LastError => _lastError;

    /// <summary>
    /// Campaigns until leading, leads until the lease is lost or <paramref name="cancellationToken"/>
    /// fires, then returns. Returns true if it led at some point.
    /// </summary>
    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        if (!await AcquireAsync(cancellationToken))
        {
            return false;
        }

        using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _leading = true;
        KubernetesLog.StartedLeading(_logger, _leaseName, _options.Identity);
        Invoke(() => OnStartedLeading?.Invoke(leading.Token));
        try
        {
            await RenewAsync(cancellationToken);
        }
        finally
        {
            _leading = false;
            await leading.CancelAsync();
            KubernetesLog.StoppedLeading(_logger, _leaseName, _options.Identity);
            Invoke(() => OnStoppedLeading?.Invoke());
            if (cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel)
            {
                await ReleaseAsync();
            }
        }

        return true;
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(_options.RetryPeriod * LeaderElectionOptions.JitterFactor, cancellationToken))
            {
                return true;
            }

            if (!await DelayAsync(Jittered(_options.RetryPeriod), cancellationToken))
            {
                return false;
            }
        }

        return false;
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await DelayAsync(_options.RetryPeriod, cancellationToken))
            {
                return;
            }

            var remaining = _options.RenewDeadline - (_time.GetUtcNow() - lastRenew);
            if (remaining > TimeSpan.Zero && await TryAcquireOrRenewAsync(remaining, cancellationToken))
            {
                lastRenew = _time.GetUtcNow();
                continue;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            if (_time.GetUtcNow() - lastRenew >= _options.RenewDeadline)
            {
                // Could not renew within the deadline: someone else may take the lease soon, so stop now.
                return;
            }
        }
    }

    /// <summary>One step of client-go's tryAcquireOrRenew. True when we hold the lease afterwards.</summary>
    private async Task<bool> TryAcquireOrRenewAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        var ct = linked.Token;
        var now = MicroTimeConverter.Truncate(_time.GetUtcNow());
        var desired = new LeaseSpec
        {
            HolderIdentity = _options.Identity,
            LeaseDurationSeconds = (int)Math.Ceiling(_options.LeaseDuration.TotalSeconds),
            AcquireTime = now,
            RenewTime = now,
            LeaseTransitions = 0,
        };
        try
        {
            // 1. Read the lease; create it if absent.
            var lease = await _client.TryGetAsync(Resources.Leases, _options.LeaseNamespace, _options.LeaseName, ct);
            if (lease is null)
            {
                var created = await _client.CreateAsync(
                    Resources.Leases,
                    new Lease { Metadata = new ObjectMeta { Name = _options.LeaseName, Namespace = _options.LeaseNamespace }, Spec = desired },
                    ct);
                Observe(created.Spec ?? desired, created.Metadata.ResourceVersion);
                Succeeded();
                return true;
            }

            // 2. A changed record restarts the clock, on our own time.
            var old = lease.Spec ?? new LeaseSpec();
            if (_observedRecord is null || !SameRecord(old, _observedRecord))
            {
                Observe(old, lease.Metadata.ResourceVersion);
            }
            else
            {
                _observedResourceVersion = lease.Metadata.ResourceVersion;
            }

            // 3. Someone else holds an unexpired lease: not us.
            var holder = old.HolderIdentity ?? "";
            var isLeader = holder == _options.Identity;
            if (holder.Length > 0 && _observedTime + _options.LeaseDuration > _time.GetUtcNow() && !isLeader)
            {
                Succeeded();
                return false;
            }

            // 4. Take or renew it, conditional on the resourceVersion we read.
            desired = isLeader
                ? desired with { AcquireTime = old.AcquireTime, LeaseTransitions = old.LeaseTransitions ?? 0 }
                : desired with { LeaseTransitions = (old.LeaseTransitions ?? 0) + 1 };
            var updated = await _client.UpdateAsync(Resources.Leases, lease with { Spec = desired }, ct);
            Observe(updated.Spec ?? desired, updated.Metadata.ResourceVersion);
            Succeeded();
            return true;
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            // An attempt cut short by its own deadline says "a task was canceled": say what happened instead.
            Failed(ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0.##} s" : ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Records a failed attempt. Every one is logged at Debug; at Warning the first, then after 2, 4,
    /// 8, … failures in a row and every 128 after that, so a Lease that cannot be written (missing
    /// namespace, missing RBAC) is said loudly but does not flood the log every RetryPeriod.
    /// </summary>
    private void Failed(string error)
    {
        _lastError = error;
        var failures = ++_failuresInARow;
        KubernetesLog.ElectionAttemptFailed(_logger, _leaseName, error);
        if (int.IsPow2(failures) || failures % 128 == 0)
        {
            KubernetesLog.LeaseUnwritable(_logger, _leaseName, _options.Identity, failures, error);
        }
    }

    private void Succeeded()
    {
        if (_failuresInARow > 0)
        {
            KubernetesLog.LeaseWritableAgain(_logger, _leaseName, _failuresInARow);
        }

        _failuresInARow = 0;
        _lastError = null;
    }

    private void Observe(LeaseSpec record, string? resourceVersion)
    {
        _observedRecord = record;
        _observedResourceVersion = resourceVersion;
        _observedTime = _time.GetUtcNow();
        var holder = record.HolderIdentity ?? "";
        if (holder.Length > 0 && holder != _reportedLeader)
        {
            _reportedLeader = holder;
            KubernetesLog.NewLeader(_logger, _leaseName, holder);
            Invoke(() => OnNewLeader?.Invoke(holder));
        }
    }

    /// <summary>Writes an empty holder (duration 1 s) if we still hold the lease.</summary>
    private async Task ReleaseAsync()
    {
        if (_observedRecord?.HolderIdentity != _options.Identity)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(_options.RenewDeadline, _time);
        try
        {
            var lease = await _client.GetAsync(Resources.Leases, _options.LeaseNamespace, _options.LeaseName, timeout.Token);
            if (lease.Spec?.HolderIdentity != _options.Identity)
            {
                return;
            }

            var now = MicroTimeConverter.Truncate(_time.GetUtcNow());
            var released = lease with
            {
                Spec = (lease.Spec ?? new LeaseSpec()) with { HolderIdentity = "", LeaseDurationSeconds = 1, RenewTime = now, AcquireTime = now },
            };
            var updated = await _client.UpdateAsync(Resources.Leases, released, timeout.Token);
            _observedRecord = updated.Spec;
            _observedTime = _time.GetUtcNow();
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException or OperationCanceledException)
        {
            KubernetesLog.ReleaseFailed(_logger, _leaseName, ex.Message);
        }
    }

    private static void Validate(LeaderElectionOptions options)
    {
        if (string.IsNullOrEmpty(options.LeaseName) || string.IsNullOrEmpty(options.LeaseNamespace) || string.IsNullOrEmpty(options.Identity))
        {
            throw new ArgumentException("LeaseName, LeaseNamespace and Identity are required", nameof(options));
        }

        if (options.LeaseDuration <= options.RenewDeadline)
        {
            throw new ArgumentException("LeaseDuration must be greater than RenewDeadline", nameof(options));
        }

        if (options.RetryPeriod <= TimeSpan.Zero || options.RenewDeadline <= options.RetryPeriod * LeaderElectionOptions.JitterFactor)
        {
            throw new ArgumentException("RenewDeadline must be greater than RetryPeriod × 1.2, and RetryPeriod positive", nameof(options));
        }
    }

    private static bool SameRecord(LeaseSpec a, LeaseSpec b) =>
        a.HolderIdentity == b.HolderIdentity &&
        a.LeaseDurationSeconds == b.LeaseDurationSeconds &&
        a.AcquireTime == b.AcquireTime &&
        a.RenewTime == b.RenewTime &&
        a.LeaseTransitions == b.LeaseTransitions;

    private static TimeSpan Jittered(TimeSpan period) =>
        period + TimeSpan.FromTicks((long)(period.Ticks * (LeaderElectionOptions.JitterFactor - 1) * Random.Shared.NextDouble()));

    private async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Invoke(Action callback)
    {
        try
        {
            callback();
        }
        catch (Exception ex)
        {
            KubernetesLog.CallbackFailed(_logger, ex, _leaseName);
        }
    }
}
