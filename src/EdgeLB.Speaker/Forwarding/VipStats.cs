namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Hot-path counters of one VIP:port. Plain fields updated with Interlocked and read by observable
/// instruments, so a forwarded read costs no metric lookup.
/// </summary>
internal sealed class VipStats(VipPort vip)
{
    private long _active;
    private long _total;
    private long _bytesIn;
    private long _bytesOut;

    public VipPort Vip { get; } = vip;

    public string Label { get; } = vip.ToString();

    public long Active => Volatile.Read(ref _active);

    public long Total => Volatile.Read(ref _total);

    /// <summary>Bytes from clients towards backends.</summary>
    public long BytesIn => Volatile.Read(ref _bytesIn);

    /// <summary>Bytes from backends towards clients.</summary>
    public long BytesOut => Volatile.Read(ref _bytesOut);

    /// <summary>Selection counts per backend, set by the owner of the backend pool.</summary>
    public Func<IReadOnlyList<BackendSlot>>? Slots { get; set; }

    public void Opened()
    {
        Interlocked.Increment(ref _active);
        Interlocked.Increment(ref _total);
    }

    public void Closed() => Interlocked.Decrement(ref _active);

    public void AddIn(int bytes) => Interlocked.Add(ref _bytesIn, bytes);

    public void AddOut(int bytes) => Interlocked.Add(ref _bytesOut, bytes);
}
