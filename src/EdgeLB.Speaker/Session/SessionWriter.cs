using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Speaker.Session;

/// <summary>Serialises writes to the request stream: heartbeats, the drain request and Hello come from different tasks.</summary>
internal sealed class SessionWriter(IClientStreamWriter<SpeakerMessage> stream) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task WriteAsync(SpeakerMessage message, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await stream.WriteAsync(message, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task CompleteAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await stream.CompleteAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
