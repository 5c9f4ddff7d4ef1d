using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// A client in a lab namespace that opens a new TCP connection to a target every interval (10 ms by
/// default), sends an HTTP request and records who answered. Probes overlap: a slow or lost one does
/// not delay the next, so an outage is seen to the interval. Bounded by a probe count, a duration and
/// the number of probes in flight.
/// </summary>
public sealed class ClientProber : IAsyncDisposable
{
    private readonly NamespaceThread _ns;
    private readonly IPEndPoint _target;
    private readonly ProberOptions _options;
    private readonly ConcurrentQueue<ProbeResult> _results = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _inFlight;
    private Task? _loop;

    public ClientProber(NamespaceThread ns, IPEndPoint target, ProberOptions? options = null)
    {
        _ns = ns;
        _target = target;
        _options = options ?? new ProberOptions();
        _inFlight = new SemaphoreSlim(_options.MaxInFlight);
    }

    /// <summary>Results so far, ordered by start.</summary>
    public IReadOnlyList<ProbeResult> Results => [.. _results.OrderBy(r => r.Started)];

    public void Start() => _loop ??= Task.Run(LoopAsync);

    /// <summary>Stops probing and waits for the probes in flight; returns every result.</summary>
    public async Task<IReadOnlyList<ProbeResult>> StopAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        return Results;
    }

    /// <summary>One probe from <paramref name="ns"/> to <paramref name="target"/>.</summary>
    public static async Task<ProbeResult> ProbeOnceAsync(NamespaceThread ns, IPEndPoint target, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await LabHttp.GetAsync(ns, target, "/", timeout, cancellationToken);
            var ended = Stopwatch.GetTimestamp();
            if (response.Status != 200)
            {
                return new ProbeResult(started, ended, null, null, $"HTTP {response.Status}");
            }

            var words = response.Body.Trim().Split(' ');
            var via = words.Length > 1 && IPAddress.TryParse(words[1], out var address) ? address : null;
            return new ProbeResult(started, ended, words[0], via, null);
        }
        catch (TimeoutException)
        {
            return new ProbeResult(started, Stopwatch.GetTimestamp(), null, null, "timeout");
        }
        catch (SocketException ex)
        {
            return new ProbeResult(started, Stopwatch.GetTimestamp(), null, null, ex.SocketErrorCode.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _inFlight.Dispose();
    }

    private async Task LoopAsync()
    {
        var begun = Stopwatch.GetTimestamp();
        var probes = new List<Task>();
        using var timer = new PeriodicTimer(_options.Interval);
        for (var n = 0; n < _options.MaxProbes && Stopwatch.GetElapsedTime(begun) < _options.MaxDuration; n++)
        {
            try
            {
                if (!await _inFlight.WaitAsync(_options.Timeout, _stop.Token))
                {
                    continue;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }

            probes.Add(RunOneAsync());
            probes.RemoveAll(t => t.IsCompleted);
            try
            {
                if (!await timer.WaitForNextTickAsync(_stop.Token))
                {
                    break;
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll(probes);
    }

    private async Task RunOneAsync()
    {
        try
        {
            _results.Enqueue(await ProbeOnceAsync(_ns, _target, _options.Timeout));
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
