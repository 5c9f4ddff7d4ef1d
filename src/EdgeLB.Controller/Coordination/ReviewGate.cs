using EdgeLB.Rpc;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Bounds the calls waiting on the API server to learn who their token belongs to. Past the bound a
/// caller is refused at once (RESOURCE_EXHAUSTED; speakers back off and redial) instead of holding
/// a stream, its buffers and an API request: unauthenticated peers cannot queue up work.
/// </summary>
internal sealed class ReviewGate(int capacity) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(capacity, capacity);

    public int Capacity { get; } = capacity;

    /// <summary>Slots free right now.</summary>
    public int Free => _slots.CurrentCount;

    /// <summary>Takes a slot, released by disposing the result.</summary>
    /// <exception cref="SessionRefusal">RESOURCE_EXHAUSTED when every slot is taken.</exception>
    public Slot Enter() => _slots.Wait(0)
        ? new Slot(_slots)
        : throw new SessionRefusal(StatusCode.ResourceExhausted, $"{Capacity} callers are already being authenticated; retry later");

    public void Dispose() => _slots.Dispose();

    internal readonly struct Slot(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }
}
