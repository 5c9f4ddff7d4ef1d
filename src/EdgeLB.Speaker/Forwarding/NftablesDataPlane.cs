using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Forwards in the kernel: DNAT + masquerade rules in EdgeLB's own nftables table, rewritten whole
/// (one atomic <c>nft -f</c>) on every backend or health change, deleted at start and on dispose.
/// Needs the nft binary (Debian package nftables), the nf_tables, nft_nat/nf_nat and nf_conntrack
/// kernel modules, and IPv4/IPv6 forwarding enabled (set here when ManageSysctls is on). Established
/// flows keep their conntrack NAT binding, so a backend that leaves or fails drains naturally; the
/// drain timeout does not apply to this plane.
/// </summary>
internal sealed class NftablesDataPlane : IDataPlane
{
    private readonly ICommandRunner _runner;
    private readonly ForwardingOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _apply = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<VipPort, BackendPool> _pools = [];
    private int _pendingHealthRender;

    public NftablesDataPlane(ICommandRunner runner, ForwardingOptions options, ILogger<NftablesDataPlane>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _runner = runner;
        _options = options;
        _logger = logger ?? NullLogger<NftablesDataPlane>.Instance;
    }

    /// <summary>The script last applied, for tests and diagnostics.</summary>
    public string? LastScript { get; private set; }

    public async Task CleanupAsync(CancellationToken cancellationToken)
    {
        await _runner.RunAsync("nft", ["delete", "table", "inet", _options.NftablesTable], null, cancellationToken);
        if (_options.ManageSysctls)
        {
            var result = await _runner.RunAsync("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"], null, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"enabling IP forwarding failed: {result.StandardError.Trim()}");
            }
        }
    }

    public Task ApplyAsync(BackendPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        lock (_gate)
        {
            _pools[pool.Vip] = pool;
        }

        return RenderAsync(cancellationToken);
    }

    public Task RemoveAsync(VipPort vip, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _pools.Remove(vip);
        }

        return RenderAsync(cancellationToken);
    }

    public void HealthChanged()
    {
        // Coalesce bursts (several backends failing at once) into one update.
        if (Interlocked.Exchange(ref _pendingHealthRender, 1) == 0)
        {
            _ = RenderAfterHealthChangeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _apply.WaitAsync();
        try
        {
            await _runner.RunAsync("nft", ["delete", "table", "inet", _options.NftablesTable], null, CancellationToken.None);
        }
        finally
        {
            _apply.Release();
        }
    }

    private async Task RenderAfterHealthChangeAsync()
    {
        await Task.Yield();
        Volatile.Write(ref _pendingHealthRender, 0);
        try
        {
            await RenderAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            ForwardingLog.NftFailed(_logger, ex);
        }
    }

    private async Task RenderAsync(CancellationToken cancellationToken)
    {
        await _apply.WaitAsync(cancellationToken);
        try
        {
            string script;
            lock (_gate)
            {
                script = NftablesRuleset.Render(_options.NftablesTable, _pools.Values);
            }

            var result = await _runner.RunAsync("nft", ["-f", "-"], script, cancellationToken);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"nft -f failed: {result.StandardError.Trim()}");
            }

            LastScript = script;
            var rules = NftablesRuleset.CountRules(script);
            ForwardingLog.NftApplied(_logger, rules, _options.NftablesTable);
        }
        finally
        {
            _apply.Release();
        }
    }
}
