using System.Collections.Concurrent;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Ip;
using EdgeLB.Speaker.Announcing;

namespace EdgeLB.Speaker.Tests.Announcing.Fakes;

/// <summary>An in-memory interface: tests inject received frames and read what was sent.</summary>
internal sealed class FakeLinkPort(string name, MacAddress mac, IPv6Address? linkLocal = null) : ILinkPort
{
    private readonly BlockingCollection<byte[]> _inbound = new();

    public string InterfaceName { get; } = name;

    public int InterfaceIndex => 2;

    public MacAddress Mac { get; } = mac;

    public IPv6Address? LinkLocal { get; } = linkLocal;

    public ConcurrentQueue<byte[]> Sent { get; } = new();

    public ConcurrentDictionary<MacAddress, bool> Groups { get; } = new();

    /// <summary>Called for every sent frame (e.g. to play a host that answers probes).</summary>
    public Action<byte[]>? OnSend { get; set; }

    public bool Disposed { get; private set; }

    public void Inject(byte[] frame) => _inbound.Add(frame);

    public byte[][] Drain()
    {
        var frames = new List<byte[]>();
        while (Sent.TryDequeue(out var f))
        {
            frames.Add(f);
        }

        return [.. frames];
    }

    public void Send(ReadOnlySpan<byte> frame)
    {
        var copy = frame.ToArray();
        Sent.Enqueue(copy);
        OnSend?.Invoke(copy);
    }

    public int Receive(Span<byte> buffer, TimeSpan timeout)
    {
        if (Disposed || !_inbound.TryTake(out var frame, timeout))
        {
            return 0;
        }

        frame.CopyTo(buffer);
        return frame.Length;
    }

    public void JoinMulticast(MacAddress group) => Groups[group] = true;

    public void LeaveMulticast(MacAddress group) => Groups.TryRemove(group, out _);

    public void Dispose() => Disposed = true;
}
