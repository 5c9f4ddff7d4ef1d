using System.Net;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Tests.Frames;

public class CodecTests
{
    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:aa:bb:cc");
    private static readonly IPv4Address Vip = IPv4Address.From(IPAddress.Parse("198.18.7.100"));
    private static readonly IPv6Address Vip6 = IPv6Address.From(IPAddress.Parse("2001:db8:7::100"));
    private static readonly IPv6Address LinkLocal = IPv6Address.From(IPAddress.Parse("fe80::1"));

    [Fact]
    public void GratuitousArpRequest_GoldenBytes()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteGratuitousArpRequest(buffer, Mac, Vip);

        var expected = Convert.FromHexString(
            "ffffffffffff" + "020000aabbcc" + "0806" +
            "0001" + "0800" + "06" + "04" + "0001" +
            "020000aabbcc" + "c6120764" +
            "000000000000" + "c6120764" +
            new string('0', 36)); // padding to 60 bytes
        Assert.Equal(60, length);
        Assert.Equal(expected, buffer[..length]);
    }

    [Fact]
    public void GratuitousArpReply_IsBroadcastReplyWithOwnTargetHardware()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteGratuitousArpReply(buffer, Mac, Vip);

        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.Equal(MacAddress.Broadcast, frame.Ethernet.Destination);
        Assert.Equal(ArpOperation.Reply, frame.Arp.Operation);
        Assert.Equal(Mac, frame.Arp.TargetHardware);
        Assert.True(frame.Arp.IsGratuitous);
    }

    [Fact]
    public void ArpPacket_RoundTrips()
    {
        var original = new ArpPacket(
            ArpOperation.Reply,
            Mac,
            Vip,
            MacAddress.Parse("02:11:22:33:44:55"),
            IPv4Address.From(IPAddress.Parse("198.18.7.2")));
        var bytes = new byte[ArpPacket.Length];
        Assert.Equal(ArpPacket.Length, original.WriteTo(bytes));

        Assert.Equal(ParseError.None, ArpPacket.Parse(bytes, out var parsed));
        Assert.Equal(original, parsed);
        Assert.False(parsed.IsGratuitous);
        Assert.False(parsed.IsProbe);
    }

    [Fact]
    public void ArpReply_AnswersTheRequester()
    {
        var requester = MacAddress.Parse("02:11:22:33:44:55");
        var requesterIp = IPv4Address.From(IPAddress.Parse("198.18.7.2"));
        var request = new ArpPacket(ArpOperation.Request, requester, requesterIp, MacAddress.Zero, Vip);
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteArpReply(buffer, Mac, Vip, request);

        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.Equal(requester, frame.Ethernet.Destination);
        Assert.Equal(new ArpPacket(ArpOperation.Reply, Mac, Vip, requester, requesterIp), frame.Arp);
    }

    [Fact]
    public void ArpProbe_HasZeroSender()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteArpProbe(buffer, Mac, Vip);
        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.True(frame.Arp.IsProbe);
        Assert.False(frame.Arp.IsGratuitous);
        Assert.Equal(Vip, frame.Arp.TargetProtocol);
    }

    [Fact]
    public void VlanTaggedArp_RoundTrips()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var arp = new ArpPacket(ArpOperation.Request, Mac, Vip, MacAddress.Zero, Vip);
        var length = FrameWriter.WriteArp(buffer, MacAddress.Broadcast, Mac, arp, vlanTci: 0x2064);

        Assert.Equal(60, length);
        Assert.Equal(new byte[] { 0x81, 0x00, 0x20, 0x64, 0x08, 0x06 }, buffer[12..18]);
        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.True(frame.Ethernet.HasVlanTag);
        Assert.Equal(100, frame.Ethernet.VlanId);
        Assert.Equal(arp, frame.Arp);
    }

    [Fact]
    public void UnsolicitedNeighborAdvertisement_GoldenBytes()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteUnsolicitedNeighborAdvertisement(buffer, Mac, LinkLocal, Vip6);

        var expected = string.Concat(
            "333300000001" + "020000aabbcc" + "86dd" +
            "60000000" + "0020" + "3a" + "ff" +
            "fe800000000000000000000000000001" +
            "ff020000000000000000000000000001" +
            "88" + "00" + "CHECKSUM" + "20000000" +
            "20010db8000700000000000000000100" +
            "02" + "01" + "020000aabbcc");
        Assert.Equal(86, length);

        // The checksum is checked independently below and by tshark in the lab tests; pin the rest.
        var actualHex = Convert.ToHexString(buffer, 0, length).ToLowerInvariant();
        Assert.Equal(expected.Replace("CHECKSUM", actualHex.Substring(2 * 56, 4), StringComparison.Ordinal).ToLowerInvariant(), actualHex);
        Assert.Equal("6ae7", actualHex.Substring(2 * 56, 4)); // cross-checked with a separate Python sum and by tshark
    }

    [Fact]
    public void Icmpv6Checksum_MatchesHandComputedSum()
    {
        // A Neighbor Solicitation for 2001:db8::1 from fe80::1, without options: the sum worked out by
        // hand from RFC 4443 §2.3 (pseudo-header + message, one's complement).
        var message = new byte[24];
        message[0] = 135;
        IPv6Address.From(IPAddress.Parse("2001:db8::1")).WriteTo(message.AsSpan(8));
        var source = IPv6Address.From(IPAddress.Parse("fe80::1"));
        var destination = IPv6Address.From(IPAddress.Parse("ff02::1:ff00:1"));

        // Words: src fe80+1, dst ff02+1+ff00+1, length 24, next header 58, type 0x8700, target 2001+0db8+1.
        uint sum = 0xfe80 + 0x0001 + 0xff02 + 0x0001 + 0xff00 + 0x0001 + 24 + 58 + 0x8700 + 0x2001 + 0x0db8 + 0x0001;
        while (sum > 0xffff)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        Assert.Equal((ushort)~sum, Icmpv6Checksum.Compute(source, destination, message));
        Icmpv6Checksum.Fill(source, destination, message);
        Assert.True(Icmpv6Checksum.Verify(source, destination, message));
        message[10] ^= 1;
        Assert.False(Icmpv6Checksum.Verify(source, destination, message));
    }

    [Fact]
    public void NeighborSolicitation_RoundTripsThroughFrameParser()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteNeighborSolicitation(buffer, Mac, LinkLocal, Vip6);

        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.Equal(LinkFrameKind.NeighborSolicitation, frame.Kind);
        Assert.Equal(Vip6, frame.NeighborDiscovery.Target);
        Assert.Equal(Mac, frame.NeighborDiscovery.LinkLayerAddress);
        Assert.Equal(IPv6Address.SolicitedNode(Vip6), frame.IPv6Destination);
        Assert.Equal(MacAddress.Parse("33:33:ff:00:01:00"), frame.Ethernet.Destination);
    }

    [Fact]
    public void DuplicateAddressProbe_HasNoLinkLayerOption()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteNeighborSolicitation(buffer, Mac, IPv6Address.Unspecified, Vip6);
        Assert.Equal(78, length);
        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.Null(frame.NeighborDiscovery.LinkLayerAddress);
        Assert.True(frame.IPv6Source.IsUnspecified);
    }

    [Fact]
    public void SolicitedAdvertisement_IsUnicastWithSolicitedAndOverride()
    {
        var solicitor = MacAddress.Parse("02:11:22:33:44:55");
        var solicitorIp = IPv6Address.From(IPAddress.Parse("2001:db8:7::2"));
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteSolicitedNeighborAdvertisement(buffer, Mac, Vip6, solicitor, solicitorIp);

        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.Equal(LinkFrameKind.NeighborAdvertisement, frame.Kind);
        Assert.Equal(solicitor, frame.Ethernet.Destination);
        Assert.Equal(solicitorIp, frame.IPv6Destination);
        Assert.Equal(Vip6, frame.IPv6Source);
        Assert.Equal(NeighborAdvertisementBits.Solicited | NeighborAdvertisementBits.Override, frame.NeighborDiscovery.Flags);
        Assert.Equal(Mac, frame.NeighborDiscovery.LinkLayerAddress);
    }

    [Fact]
    public void AdvertisementToDadProbe_GoesToAllNodesWithoutSolicited()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteSolicitedNeighborAdvertisement(buffer, Mac, Vip6, MacAddress.Parse("02:11:22:33:44:55"), IPv6Address.Unspecified);
        Assert.Equal(ParseError.None, LinkFrame.Parse(buffer.AsSpan(0, length), out var frame));
        Assert.Equal(IPv6Address.AllNodes, frame.IPv6Destination);
        Assert.Equal(NeighborAdvertisementBits.Override, frame.NeighborDiscovery.Flags);
    }

    [Theory]
    [InlineData(0, ParseError.TruncatedEthernetHeader)]
    [InlineData(13, ParseError.TruncatedEthernetHeader)]
    [InlineData(20, ParseError.TruncatedArp)]
    [InlineData(41, ParseError.TruncatedArp)]
    public void TruncatedArpFrame_ReportsReason(int keep, ParseError expected)
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        FrameWriter.WriteGratuitousArpRequest(buffer, Mac, Vip);
        Assert.Equal(expected, LinkFrame.Parse(buffer.AsSpan(0, keep), out _));
    }

    [Fact]
    public void InconsistentFrames_ReportReasons()
    {
        var buffer = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteUnsolicitedNeighborAdvertisement(buffer, Mac, LinkLocal, Vip6);

        Assert.Equal(ParseError.IPv6PayloadLengthExceedsFrame, LinkFrame.Parse(buffer.AsSpan(0, length - 1), out _));
        Assert.Equal(ParseError.TruncatedVlanTag, LinkFrame.Parse(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0, 0 }, out _));

        var copy = buffer[..length];
        copy[21] = 64; // hop limit
        Assert.Equal(ParseError.NeighborDiscoveryHopLimitNot255, LinkFrame.Parse(copy, out _)); // not in the pseudo-header

        copy = buffer[..length];
        copy[14 + 40 + 4] |= 0x40; // Solicited on a multicast advertisement, checksum fixed up
        RefillChecksum(copy);
        Assert.Equal(ParseError.NeighborAdvertisementInconsistent, LinkFrame.Parse(copy, out _));

        copy = buffer[..length];
        copy[14 + 40 + 24 + 1] = 0; // option length zero
        RefillChecksum(copy);
        Assert.Equal(ParseError.NeighborDiscoveryZeroLengthOption, LinkFrame.Parse(copy, out _));

        copy = buffer[..length];
        copy[14 + 40 + 10] ^= 0xff; // corrupt the target: checksum no longer matches
        Assert.Equal(ParseError.Icmpv6ChecksumMismatch, LinkFrame.Parse(copy, out _));

        copy = buffer[..length];
        copy[14 + 40] = 128; // echo request
        Assert.Equal(ParseError.NotNeighborDiscovery, LinkFrame.Parse(copy, out _));

        copy = buffer[..length];
        copy[14] = 0x40; // version 4
        Assert.Equal(ParseError.NotIPv6, LinkFrame.Parse(copy, out _));

        var arp = new byte[60];
        FrameWriter.WriteGratuitousArpRequest(arp, Mac, Vip);
        arp[21] = 9; // opcode
        Assert.Equal(ParseError.UnsupportedArpOperation, LinkFrame.Parse(arp, out _));
        arp[21] = 1;
        arp[14] = 1; // hardware type 0x0101
        Assert.Equal(ParseError.UnsupportedArpHardware, LinkFrame.Parse(arp, out _));
        arp[14] = 0;
        arp[16] = 0x86; // protocol type 0x86dd
        Assert.Equal(ParseError.UnsupportedArpProtocol, LinkFrame.Parse(arp, out _));
        arp[12] = 0x05; // 802.3 length field
        Assert.Equal(ParseError.UnsupportedEtherType, LinkFrame.Parse(arp, out _));
    }

    [Fact]
    public void MacAddress_ParsesFormatsAndMapsMulticast()
    {
        Assert.Equal("02:00:00:aa:bb:cc", Mac.ToString());
        Assert.False(MacAddress.TryParse("02:00:00:aa:bb", out _));
        Assert.False(MacAddress.TryParse("02:00:00:aa:bb:zz", out _));
        Assert.Throws<FormatException>(() => MacAddress.Parse("nonsense"));
        Assert.True(MacAddress.Broadcast.IsMulticast);
        Assert.False(Mac.IsMulticast);
        Assert.Equal("33:33:ff:00:01:00", MacAddress.ForIPv6Multicast(IPv6Address.SolicitedNode(Vip6)).ToString());
        Assert.Equal(IPAddress.Parse("ff02::1:ff00:100"), IPv6Address.SolicitedNode(Vip6).ToIPAddress());
        Assert.Equal("198.18.7.100", Vip.ToString());
        Assert.True(LinkLocal.IsLinkLocal);
        Assert.False(Vip6.IsLinkLocal);
    }

    private static void RefillChecksum(byte[] frame)
    {
        var ip = frame.AsSpan(14);
        var source = IPv6Address.Read(ip[8..]);
        var destination = IPv6Address.Read(ip[24..]);
        var payloadLength = (ip[4] << 8) | ip[5];
        Icmpv6Checksum.Fill(source, destination, ip.Slice(40, payloadLength));
    }
}
