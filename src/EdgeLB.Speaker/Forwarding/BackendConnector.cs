using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Connects a new client connection to a backend: each attempt picks an eligible backend not yet
/// tried, runs the connect through that backend's circuit breaker (so failures count as passive
/// health evidence) under a per-attempt timeout, and a failed attempt retries at once on the next
/// backend (Polly retry + timeout). Only new connections retry; bytes never replay.
/// </summary>
internal sealed class BackendConnector
{
    private readonly ResiliencePipeline _pipeline;
    private readonly ISocketFactory _sockets;
    private readonly ForwardingMetrics? _metrics;
    private readonly ILogger _logger;

    public BackendConnector(ForwardingOptions options, ISocketFactory sockets, TimeProvider time, ForwardingMetrics? metrics, ILogger logger)
    {
        _sockets = sockets;
        _metrics = metrics;
        _logger = logger;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (options.ConnectAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.ConnectAttempts - 1,
                Delay = TimeSpan.Zero,
                BackoffType = DelayBackoffType.Constant,
                UseJitter = false,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is SocketException or TimeoutRejectedException or BrokenCircuitException),
            });
        }

        _pipeline = builder.AddTimeout(options.ConnectTimeout).Build();
    }

    /// <summary>Returns the connected upstream socket and its backend; throws when every attempt failed.</summary>
    public async ValueTask<(Socket Socket, BackendSlot Slot)> ConnectAsync(BackendPool pool, VipStats stats, IPAddress? client, CancellationToken cancellationToken)
    {
        var attempt = new Attempt(this, pool, stats, client);
        var socket = await _pipeline.ExecuteAsync(static (a, ct) => a.RunAsync(ct), attempt, cancellationToken);
        return (socket, attempt.Current!);
    }

    private sealed class Attempt(BackendConnector owner, BackendPool pool, VipStats stats, IPAddress? client)
    {
        private readonly List<BackendSlot> _tried = new(2);

        public BackendSlot? Current { get; private set; }

        public async ValueTask<Socket> RunAsync(CancellationToken cancellationToken)
        {
            var slot = pool.Select(client, _tried) ?? throw new NoBackendException($"{pool.Vip}: no eligible backend");
            _tried.Add(slot);
            Current = slot;
            var endpoint = slot.Backend.EndPoint;
            var socket = owner._sockets.Create(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.NoDelay = true;
                await slot.Health.ExecuteAsync(
                    static async (s, ct) =>
                    {
                        await s.socket.ConnectAsync(s.endpoint, ct);
                        return true;
                    },
                    (socket, endpoint),
                    cancellationToken);
                return socket;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or BrokenCircuitException)
            {
                socket.Dispose();
                var reason = ex switch
                {
                    SocketException se => se.SocketErrorCode.ToString(),
                    BrokenCircuitException => "circuit-open",
                    _ => "timeout",
                };
                owner._metrics?.ConnectError(stats, slot, reason);
                ForwardingLog.ConnectFailed(owner._logger, pool.Vip, slot.Label, reason);
                throw;
            }
        }
    }
}
