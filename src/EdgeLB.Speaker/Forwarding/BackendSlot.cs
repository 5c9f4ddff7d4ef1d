using EdgeLB.Speaker.Health;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// A backend as one VIP:port sees it: its health handle, live connection count and selection count.
/// Connections keep their slot after it leaves the pool, so draining needs no lookup.
/// </summary>
internal sealed class BackendSlot(Backend backend, IBackendHealthHandle health)
{
    private int _active;
    private long _selected;
    private int _weight = backend.Weight;
    private volatile bool _removed;

    public Backend Backend { get; } = backend;

    public IBackendHealthHandle Health { get; } = health;

    public string Label { get; } = backend.EndPoint.ToString();

    public int Weight
    {
        get => Volatile.Read(ref _weight);
        set => Volatile.Write(ref _weight, value);
    }

    public int Active => Volatile.Read(ref _active);

    public long Selected => Volatile.Read(ref _selected);

    /// <summary>Left the pool; its connections drain.</summary>
    public bool Removed
    {
        get => _removed;
        set => _removed = value;
    }

    /// <summary>May take new connections.</summary>
    public bool Eligible => !_removed && Health.IsAvailable;

    public void MarkSelected() => Interlocked.Increment(ref _selected);

    public void Opened() => Interlocked.Increment(ref _active);

    public void Closed() => Interlocked.Decrement(ref _active);
}
