using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Ip;

namespace EdgeLB.Speaker.Announcing;

/// <summary>One address this node announces: where, under which epoch, until when, and its timers.</summary>
internal sealed class Holding
{
    private long _leaseUntilTicks;
    private long _heldSinceTicks;
    private long _epoch;
    private long _lastAnnouncedTicks;
    private volatile bool _active = true;

    public Holding(IPAddress vip, AnnouncerPort port, long epoch, DateTimeOffset leaseUntil, DateTimeOffset heldSince)
    {
        Vip = vip;
        Port = port;
        IsIPv6 = vip.AddressFamily == AddressFamily.InterNetworkV6;
        if (IsIPv6)
        {
            V6 = IPv6Address.From(vip);
        }
        else
        {
            V4 = IPv4Address.From(vip);
        }

        _epoch = epoch;
        _leaseUntilTicks = leaseUntil.UtcTicks;
        _heldSinceTicks = heldSince.UtcTicks;
    }

    public IPAddress Vip { get; }

    public AnnouncerPort Port { get; }

    public bool IsIPv6 { get; }

    public string Family => IsIPv6 ? "ipv6" : "ipv4";

    public IPv4Address V4 { get; }

    public IPv6Address V6 { get; }

    public long Epoch
    {
        get => Interlocked.Read(ref _epoch);
        set => Interlocked.Exchange(ref _epoch, value);
    }

    public DateTimeOffset LeaseUntil
    {
        get => new(Interlocked.Read(ref _leaseUntilTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _leaseUntilTicks, value.UtcTicks);
    }

    /// <summary>When the current epoch's Assignment was applied here (read by receive threads).</summary>
    public DateTimeOffset HeldSince
    {
        get => new(Interlocked.Read(ref _heldSinceTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _heldSinceTicks, value.UtcTicks);
    }

    /// <summary>When gratuitous frames for it last left: the assignment's burst, a repeat, a refresh or a defence.</summary>
    public DateTimeOffset LastAnnounced
    {
        get => new(Interlocked.Read(ref _lastAnnouncedTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _lastAnnouncedTicks, value.UtcTicks);
    }

    /// <summary>Cleared first on revoke, so a receive thread holding an old snapshot stops answering too.</summary>
    public bool Active => _active;

    public ITimer? RepeatTimer { get; set; }

    public int RepeatIndex { get; set; }

    public ITimer? RefreshTimer { get; set; }

    public ITimer? LeaseTimer { get; set; }

    /// <summary>TimeProvider timestamp of the last defending announcement; null before the first.</summary>
    public long? LastDefendTimestamp { get; set; }

    /// <summary>A defence deferred to the end of the defend interval, while one is due.</summary>
    public ITimer? DefendTimer { get; set; }

    /// <summary>Whether we may speak for the address at <paramref name="now"/>.</summary>
    public bool IsValidAt(DateTimeOffset now) => _active && now.UtcTicks < Interlocked.Read(ref _leaseUntilTicks);

    public void Deactivate()
    {
        _active = false;
        RepeatTimer?.Dispose();
        RefreshTimer?.Dispose();
        LeaseTimer?.Dispose();
        DefendTimer?.Dispose();
    }
}
