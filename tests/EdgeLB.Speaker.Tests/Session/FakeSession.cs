using System.Threading.Channels;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>One Session as the fake coordinator sees it: what the speaker sent, and a way to answer.</summary>
internal sealed class FakeSession(Metadata headers, IRpcStreamWriter<ControllerMessage> responses, EventLog log)
{
    private readonly Channel<SpeakerMessage> _received = Channel.CreateUnbounded<SpeakerMessage>();
    private readonly SemaphoreSlim _send = new(1, 1);

    public Metadata Headers { get; } = headers;

    /// <summary>Completed with null to end the call with OK (the controller closes it), or with an exception to fail it.</summary>
    public TaskCompletionSource<RpcException?> EndRequested { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True once the speaker ended its request stream (it closed the session).</summary>
    public TaskCompletionSource SpeakerClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task SendAsync(ControllerMessage message)
    {
        await _send.WaitAsync();
        try
        {
            await responses.WriteAsync(message);
        }
        finally
        {
            _send.Release();
        }
    }

    public Task ConfigureAsync(TimeSpan heartbeat, TimeSpan lease, params PeerSpeaker[] peers)
    {
        var configuration = new Configuration
        {
            HeartbeatInterval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(heartbeat),
            LeaseDuration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(lease),
        };
        configuration.Peers.AddRange(peers);
        return SendAsync(new ControllerMessage { Configuration = configuration });
    }

    /// <summary>The next message of the given kind, skipping others (bounded wait).</summary>
    public async Task<SpeakerMessage> NextAsync(SpeakerMessage.KindOneofCase kind, Func<SpeakerMessage, bool>? where = null, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var message = await _received.Reader.ReadAsync(cts.Token);
            if (message.KindCase == kind && (where is null || where(message)))
            {
                return message;
            }
        }
    }

    /// <summary>The next heartbeat that satisfies <paramref name="where"/>.</summary>
    public async Task<Heartbeat> HeartbeatAsync(Func<Heartbeat, bool>? where = null) =>
        (await NextAsync(SpeakerMessage.KindOneofCase.Heartbeat, m => where is null || where(m.Heartbeat))).Heartbeat;

    public void End(RpcException? failure = null) => EndRequested.TrySetResult(failure);

    internal async Task PumpAsync(IRpcStreamReader<SpeakerMessage> requests, CancellationToken cancellationToken)
    {
        try
        {
            while (await requests.MoveNextAsync(cancellationToken))
            {
                var message = requests.Current;
                log.Add($"coordinator received {message.KindCase}");
                _received.Writer.TryWrite(message);
            }

            log.Add("speaker closed the session");
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
        {
            log.Add("session reset");
        }
        finally
        {
            SpeakerClosed.TrySetResult();
            _received.Writer.TryComplete();
        }
    }
}
