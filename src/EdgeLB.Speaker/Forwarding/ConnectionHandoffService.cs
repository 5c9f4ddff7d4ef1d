using System.Net;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Keeps the handovers in progress (<see cref="ConnectionHandoffRules"/>) in the kernel: added by the
/// new holder before it claims a VIP in a handover, removed when the previous holder's
/// forwarding linger has passed. Without nft, or when it fails, the handover still happens; only
/// the connections open at that moment are reset, as they would be without it.
/// </summary>
internal sealed class ConnectionHandoffService : IDisposable
{
    private readonly ICommandRunner _commands;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<IPAddress, ConnectionHandoff> _active = [];
    private readonly ITimer _expiry;
    private bool _disposed;

    public ConnectionHandoffService(ICommandRunner commands, TimeProvider time, ILogger logger)
    {
        _commands = commands;
        _time = time;
        _logger = logger;
        _expiry = time.CreateTimer(_ => _ = ExpireAsync(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Installs a handover; returns when the kernel has it (or it failed, which is logged).</summary>
    public async Task StartAsync(ConnectionHandoff handoff, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handoff);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _active[handoff.Vip] = handoff;
            if (await ApplyLockedAsync(cancellationToken))
            {
                var lasting = handoff.Until - _time.GetUtcNow();
                ForwardingLog.HandoffStarted(_logger, handoff.Vip, handoff.PreviousHolder, lasting);
            }

            Reschedule();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Removes what an earlier process may have left (start-up) or everything (shutdown).</summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _active.Clear();
            await ApplyLockedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _expiry.Dispose();
        }
    }

    private async Task ExpireAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _gate.WaitAsync();
        try
        {
            var now = _time.GetUtcNow();
            var ended = _active.Values.Where(h => h.Until <= now).ToList();
            foreach (var h in ended)
            {
                _active.Remove(h.Vip);
            }

            if (ended.Count > 0)
            {
                await ApplyLockedAsync(CancellationToken.None);
            }

            Reschedule();
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> ApplyLockedAsync(CancellationToken cancellationToken)
    {
        var script = ConnectionHandoffRules.Render(_active.Values);
        try
        {
            var result = await _commands.RunAsync("nft", ["-f", "-"], script, cancellationToken);
            if (result.ExitCode == 0)
            {
                return true;
            }

            ForwardingLog.HandoffFailed(_logger, result.StandardError.Trim());
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            ForwardingLog.HandoffFailed(_logger, ex.Message);
        }

        return false;
    }

    private void Reschedule()
    {
        if (_disposed)
        {
            return;
        }

        var due = _active.Count == 0 ? Timeout.InfiniteTimeSpan : _active.Values.Min(h => h.Until) - _time.GetUtcNow();
        _expiry.Change(due < TimeSpan.Zero && _active.Count > 0 ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }
}
