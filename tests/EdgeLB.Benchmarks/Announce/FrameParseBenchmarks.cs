using System.Net;
using BenchmarkDotNet.Attributes;
using EdgeLB.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Ip;

namespace EdgeLB.Benchmarks.Announce;

/// <summary>
/// Decoding one received frame, as the announcer does for every ARP and ND frame on the link: the
/// well-formed kinds, and an advertisement with a zero-length option, which must be refused as
/// cheaply as a good frame is read.
/// </summary>
[MemoryDiagnoser]
public class FrameParseBenchmarks
{
    private readonly byte[] _arp = new byte[FrameWriter.MaxFrameLength];
    private readonly byte[] _na = new byte[FrameWriter.MaxFrameLength];
    private readonly byte[] _ns = new byte[FrameWriter.MaxFrameLength];
    private byte[] _zeroLengthOption = [];
    private int _arpLength;
    private int _naLength;
    private int _nsLength;

    [GlobalSetup]
    public void Setup()
    {
        var mac = MacAddress.Parse("02:00:00:00:00:01");
        var vip6 = IPv6Address.From(IPAddress.Parse("2001:db8:1::10"));
        var linkLocal = IPv6Address.From(IPAddress.Parse("fe80::1"));
        _arpLength = FrameWriter.WriteGratuitousArpRequest(_arp, mac, IPv4Address.From(IPAddress.Parse("198.18.1.10")));
        _naLength = FrameWriter.WriteUnsolicitedNeighborAdvertisement(_na, mac, linkLocal, vip6);
        _nsLength = FrameWriter.WriteNeighborSolicitation(_ns, mac, linkLocal, vip6);

        // The same advertisement with its option's length set to zero and the checksum made valid again.
        _zeroLengthOption = _na[.._naLength];
        var message = _zeroLengthOption.AsSpan(EthernetFrame.HeaderLength + EdgeLB.Net.IPv6.IPv6Packet.HeaderLength);
        message[EdgeLB.Net.IPv6.NeighborDiscoveryMessage.FixedLength + 1] = 0;
        EdgeLB.Net.IPv6.Icmpv6Checksum.Fill(linkLocal, IPv6Address.AllNodes, message);
        if (LinkFrame.Parse(_zeroLengthOption, out _) != ParseError.NeighborDiscoveryZeroLengthOption)
        {
            throw new InvalidOperationException("the zero-length-option frame is not rejected for that reason");
        }
    }

    [Benchmark]
    public ParseError Arp() => LinkFrame.Parse(_arp.AsSpan(0, _arpLength), out _);

    [Benchmark]
    public ParseError NeighborAdvertisement() => LinkFrame.Parse(_na.AsSpan(0, _naLength), out _);

    [Benchmark]
    public ParseError NeighborSolicitation() => LinkFrame.Parse(_ns.AsSpan(0, _nsLength), out _);

    [Benchmark]
    public ParseError ZeroLengthOption() => LinkFrame.Parse(_zeroLengthOption, out _);
}
