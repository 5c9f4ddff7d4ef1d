using System.Diagnostics;
using System.Net.Sockets;
using EdgeLB.Net;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Ip;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Announcing;

/// <summary>
/// The announcer on one interface: a receive thread that answers ARP requests and Neighbor
/// Solicitations for held addresses and spots claims, and the senders of gratuitous frames.
/// </summary>
/// <remarks>
/// The receive thread reads the held-address tables without locking: they are replaced, never
/// changed, and each entry carries its own active flag and lease, so a revoke is seen at once.
/// </remarks>
internal sealed class AnnouncerPort : IDisposable
{
    private readonly Announcer _owner;
    private readonly ILinkPort _link;
    private readonly TimeProvider _time;
    private readonly AnnouncerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeSpan _poll;
    private readonly Thread _thread;
    private readonly Dictionary<MacAddress, int> _groups = [];
    private readonly Lock _probeGate = new();
    private readonly List<ProbeWaiter> _probes = [];
    private volatile int _probeCount;
    private volatile bool _stopping;
    private Dictionary<IPv4Address, Holding> _v4 = [];
    private Dictionary<IPv6Address, Holding> _v6 = [];

    public AnnouncerPort(Announcer owner, ILinkPort link, TimeProvider time, AnnouncerMetrics metrics, ILogger logger, TimeSpan poll)
    {
        _owner = owner;
        _link = link;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _poll = poll;
        _thread = new Thread(Run) { IsBackground = true, Name = $"edgelb-announce-{link.InterfaceName}" };
        _thread.Start();
    }

    public string Name => _link.InterfaceName;

    public int Index => _link.InterfaceIndex;

    public MacAddress Mac => _link.Mac;

    /// <summary>Carrier as last seen; starts true because the port was just opened on a usable link.</summary>
    public bool LinkUp { get; set; } = true;

    /// <summary>The addresses announced here, from the current tables.</summary>
    public IEnumerable<Holding> Holdings => Volatile.Read(ref _v4).Values.Concat(Volatile.Read(ref _v6).Values);

    /// <summary>Publishes a new table with <paramref name="holding"/>; caller holds the announcer lock.</summary>
    public void Add(Holding holding)
    {
        if (holding.IsIPv6)
        {
            Volatile.Write(ref _v6, new Dictionary<IPv6Address, Holding>(_v6) { [holding.V6] = holding });
            JoinGroup(MacAddress.ForIPv6Multicast(IPv6Address.SolicitedNode(holding.V6)));
        }
        else
        {
            Volatile.Write(ref _v4, new Dictionary<IPv4Address, Holding>(_v4) { [holding.V4] = holding });
        }
    }

    /// <summary>Publishes a table without <paramref name="holding"/>; caller holds the announcer lock.</summary>
    public void Remove(Holding holding)
    {
        if (holding.IsIPv6)
        {
            var table = new Dictionary<IPv6Address, Holding>(_v6);
            table.Remove(holding.V6);
            Volatile.Write(ref _v6, table);
            LeaveGroup(MacAddress.ForIPv6Multicast(IPv6Address.SolicitedNode(holding.V6)));
        }
        else
        {
            var table = new Dictionary<IPv4Address, Holding>(_v4);
            table.Remove(holding.V4);
            Volatile.Write(ref _v4, table);
        }
    }

    /// <summary>
    /// The gratuitous burst: ARP request and reply forms for IPv4, an unsolicited Override
    /// advertisement to all nodes for IPv6.
    /// </summary>
    public void SendAnnouncement(Holding holding)
    {
        Span<byte> buffer = stackalloc byte[FrameWriter.MaxFrameLength];
        try
        {
            if (holding.IsIPv6)
            {
                var source = _link.LinkLocal ?? holding.V6;
                _link.Send(buffer[..FrameWriter.WriteUnsolicitedNeighborAdvertisement(buffer, Mac, source, holding.V6)]);
                _metrics.GratuitousSent(Name, holding.Family, 1);
            }
            else
            {
                _link.Send(buffer[..FrameWriter.WriteGratuitousArpRequest(buffer, Mac, holding.V4)]);
                _link.Send(buffer[..FrameWriter.WriteGratuitousArpReply(buffer, Mac, holding.V4)]);
                _metrics.GratuitousSent(Name, holding.Family, 2);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            AnnouncerLog.SendFailed(_logger, ex, Name);
        }
    }

    /// <summary>Registers a probe and sends the first question; answers arrive through the receive thread.</summary>
    public ProbeWaiter StartProbe(IPv4Address? v4, IPv6Address? v6)
    {
        var waiter = new ProbeWaiter(v4, v6);
        lock (_probeGate)
        {
            _probes.Add(waiter);
            _probeCount = _probes.Count;
        }

        return waiter;
    }

    public void SendProbe(ProbeWaiter waiter)
    {
        Span<byte> buffer = stackalloc byte[FrameWriter.MaxFrameLength];
        var length = waiter.V4 is { } v4
            ? FrameWriter.WriteArpProbe(buffer, Mac, v4)
            : FrameWriter.WriteNeighborSolicitation(buffer, Mac, IPv6Address.Unspecified, waiter.V6!.Value);
        _link.Send(buffer[..length]);
    }

    public void EndProbe(ProbeWaiter waiter)
    {
        lock (_probeGate)
        {
            _probes.Remove(waiter);
            _probeCount = _probes.Count;
        }
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join(_poll + TimeSpan.FromSeconds(2));
        _link.Dispose();
    }

    private void JoinGroup(MacAddress group)
    {
        _groups.TryGetValue(group, out var count);
        _groups[group] = count + 1;
        if (count == 0)
        {
            _link.JoinMulticast(group);
        }
    }

    private void LeaveGroup(MacAddress group)
    {
        if (!_groups.TryGetValue(group, out var count))
        {
            return;
        }

        if (count > 1)
        {
            _groups[group] = count - 1;
            return;
        }

        _groups.Remove(group);
        try
        {
            _link.LeaveMulticast(group);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            AnnouncerLog.SendFailed(_logger, ex, Name);
        }
    }

    private void Run()
    {
        var buffer = new byte[2048];
        while (!_stopping)
        {
            try
            {
                var length = _link.Receive(buffer, _poll);
                if (length > 0)
                {
                    Handle(buffer.AsSpan(0, length), Stopwatch.GetTimestamp());
                }
            }
            catch (ObjectDisposedException) when (_stopping)
            {
                return;
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                AnnouncerLog.ReceiveFailed(_logger, ex, Name);
                Thread.Sleep(TimeSpan.FromSeconds(1));
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> bytes, long receivedTimestamp)
    {
        var error = LinkFrame.Parse(bytes, out var frame);
        if (error != ParseError.None)
        {
            // Frames of other protocols only reach us on unfiltered ports; they are not malformed.
            if (error is not (ParseError.UnsupportedEtherType or ParseError.NotIcmpv6 or ParseError.NotNeighborDiscovery))
            {
                _metrics.Malformed(Name, error.ToString());
                AnnouncerLog.Malformed(_logger, Name, error);
            }

            return;
        }

        if (frame.Ethernet.Source == Mac)
        {
            return;
        }

        ushort? vlan = frame.Ethernet.HasVlanTag ? frame.Ethernet.VlanTci : null;
        switch (frame.Kind)
        {
            case LinkFrameKind.Arp:
                HandleArp(frame.Arp, frame.Ethernet.Destination, vlan, receivedTimestamp);
                break;
            case LinkFrameKind.NeighborSolicitation:
                HandleSolicitation(frame, vlan, receivedTimestamp);
                break;
            case LinkFrameKind.NeighborAdvertisement:
                HandleAdvertisement(frame, receivedTimestamp);
                break;
            default:
                break;
        }
    }

    private void HandleArp(in ArpPacket arp, MacAddress destination, ushort? vlan, long receivedTimestamp)
    {
        if (arp.SenderHardware == Mac)
        {
            return;
        }

        if (_probeCount > 0 && !arp.SenderProtocol.IsAny)
        {
            AnswerProbes(arp.SenderProtocol, null, arp.SenderHardware);
        }

        var table = Volatile.Read(ref _v4);
        if (!arp.SenderProtocol.IsAny && table.TryGetValue(arp.SenderProtocol, out var claimed))
        {
            _owner.OnClaim(claimed, arp.SenderHardware, arp.Operation == ArpOperation.Reply ? ClaimKind.ArpReply : ClaimKind.ArpRequest, receivedTimestamp);
            return;
        }

        if (arp.Operation != ArpOperation.Request)
        {
            return;
        }

        var held = table.TryGetValue(arp.TargetProtocol, out var holding);
        _metrics.RequestReceived(Name, "ipv4", held);
        if (!held || !(destination.IsBroadcast || destination == Mac))
        {
            return;
        }

        if (!holding!.IsValidAt(_time.GetUtcNow()))
        {
            _owner.ExpireIfDue(holding);
            return;
        }

        Span<byte> buffer = stackalloc byte[FrameWriter.MaxFrameLength];
        Reply(buffer[..FrameWriter.WriteArpReply(buffer, Mac, holding.V4, arp, vlan)], holding.Family);
    }

    private void HandleSolicitation(in LinkFrame frame, ushort? vlan, long receivedTimestamp)
    {
        var nd = frame.NeighborDiscovery;
        var solicitorMac = nd.LinkLayerAddress ?? frame.Ethernet.Source;
        var table = Volatile.Read(ref _v6);
        if (!frame.IPv6Source.IsUnspecified && solicitorMac != Mac && table.TryGetValue(frame.IPv6Source, out var claimed))
        {
            // Someone else uses our address as its source: it believes it owns it.
            _owner.OnClaim(claimed, solicitorMac, ClaimKind.NeighborSolicitation, receivedTimestamp);
        }

        var held = table.TryGetValue(nd.Target, out var holding);
        _metrics.RequestReceived(Name, "ipv6", held);
        if (!held)
        {
            return;
        }

        if (!holding!.IsValidAt(_time.GetUtcNow()))
        {
            _owner.ExpireIfDue(holding);
            return;
        }

        Span<byte> buffer = stackalloc byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteSolicitedNeighborAdvertisement(buffer, Mac, holding.V6, solicitorMac, frame.IPv6Source, vlan);
        Reply(buffer[..length], holding.Family);
    }

    private void HandleAdvertisement(in LinkFrame frame, long receivedTimestamp)
    {
        var nd = frame.NeighborDiscovery;
        var advertised = nd.LinkLayerAddress ?? frame.Ethernet.Source;
        if (advertised == Mac)
        {
            return;
        }

        if (_probeCount > 0)
        {
            AnswerProbes(null, nd.Target, advertised);
        }

        if (Volatile.Read(ref _v6).TryGetValue(nd.Target, out var claimed))
        {
            _owner.OnClaim(claimed, advertised, ClaimKind.NeighborAdvertisement, receivedTimestamp);
        }
    }

    private void Reply(ReadOnlySpan<byte> frame, string family)
    {
        try
        {
            _link.Send(frame);
            _metrics.ReplySent(Name, family);
        }
        catch (SocketException ex)
        {
            AnnouncerLog.SendFailed(_logger, ex, Name);
        }
    }

    private void AnswerProbes(IPv4Address? v4, IPv6Address? v6, MacAddress owner)
    {
        lock (_probeGate)
        {
            foreach (var probe in _probes)
            {
                if ((v4 is not null && probe.V4 == v4) || (v6 is not null && probe.V6 == v6))
                {
                    probe.Answered.TrySetResult(owner);
                }
            }
        }
    }
}
