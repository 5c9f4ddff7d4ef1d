using System.Net;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.IPv6;
using EdgeLB.Net.Ip;

namespace EdgeLB.Net.Tests.Frames;

/// <summary>
/// Hostile and broken frames that any host on the link can send, each built with a valid checksum
/// unless the checksum is the point, so that exactly one rule is broken and the reason is that
/// rule's (RFC 4861 §7.1.1 for solicitations, §7.1.2 for advertisements, RFC 826 for ARP). These are
/// the cases a general-purpose packet library was seen to mishandle (docs/design.md, "Dependencies").
/// </summary>
public class MalformedFrameTests
{
    private const byte Ns = 135;
    private const byte Na = 136;
    private const byte SourceLinkLayer = 1;
    private const byte TargetLinkLayer = 2;

    private static readonly MacAddress Mac = MacAddress.Parse("02:00:00:aa:bb:cc");
    private static readonly MacAddress OtherMac = MacAddress.Parse("02:00:00:dd:ee:ff");
    private static readonly IPv6Address LinkLocal = IPv6Address.From(IPAddress.Parse("fe80::1"));
    private static readonly IPv6Address Vip6 = IPv6Address.From(IPAddress.Parse("2001:db8:7::100"));
    private static readonly IPv4Address Vip = IPv4Address.From(IPAddress.Parse("198.18.7.100"));

    /// <summary>One link-layer address option for an Ethernet MAC: type, length 1 (8 bytes), address.</summary>
    private static byte[] LinkLayerOption(byte type, MacAddress mac)
    {
        var option = new byte[8];
        option[0] = type;
        option[1] = 1;
        mac.WriteTo(option.AsSpan(2));
        return option;
    }

    /// <summary>
    /// Ethernet + IPv6 + an ICMPv6 message whose first 24 bytes are the ND fixed part (type, code,
    /// checksum, flags, target) followed by <paramref name="options"/>; the checksum is computed last.
    /// <paramref name="messageLength"/> cuts the message (and the IPv6 payload length) short.
    /// </summary>
    private static byte[] NdFrame(
        byte type,
        IPv6Address target,
        byte[]? options = null,
        IPv6Address? source = null,
        IPv6Address? destination = null,
        byte hopLimit = 255,
        byte code = 0,
        byte flags = 0x20,
        int? messageLength = null,
        bool fixChecksum = true)
    {
        var src = source ?? LinkLocal;
        var dst = destination ?? IPv6Address.AllNodes;
        var full = new byte[NeighborDiscoveryMessage.FixedLength + (options?.Length ?? 0)];
        full[0] = type;
        full[1] = code;
        full[4] = type == Na ? flags : (byte)0;
        target.WriteTo(full.AsSpan(8));
        options?.CopyTo(full.AsSpan(NeighborDiscoveryMessage.FixedLength));
        var message = full.AsSpan(0, messageLength ?? full.Length);

        var frame = new byte[EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + message.Length];
        var at = EthernetFrame.WriteHeader(frame, MacAddress.ForIPv6Multicast(dst), Mac, EtherType.IPv6);
        at += IPv6Packet.WriteHeader(frame.AsSpan(at), message.Length, IPv6Packet.Icmpv6, hopLimit, src, dst);
        var icmp = frame.AsSpan(at);
        message.CopyTo(icmp);
        if (fixChecksum && message.Length >= 4)
        {
            Icmpv6Checksum.Fill(src, dst, icmp);
        }

        return frame;
    }

    private static ParseError Parse(byte[] frame) => LinkFrame.Parse(frame, out _);

    [Fact]
    public void Baseline_WellFormedAdvertisementAndSolicitation_AreAccepted()
    {
        // The builder itself must produce frames the codec accepts, or every rejection below proves nothing.
        Assert.Equal(ParseError.None, LinkFrame.Parse(NdFrame(Na, Vip6, LinkLayerOption(TargetLinkLayer, Mac)), out var na));
        Assert.Equal(Mac, na.NeighborDiscovery.LinkLayerAddress);
        Assert.Equal(NeighborAdvertisementBits.Override, na.NeighborDiscovery.Flags);

        Assert.Equal(ParseError.None, LinkFrame.Parse(NdFrame(Ns, Vip6, LinkLayerOption(SourceLinkLayer, Mac), destination: IPv6Address.SolicitedNode(Vip6)), out var ns));
        Assert.Equal(Mac, ns.NeighborDiscovery.LinkLayerAddress);
        Assert.Equal(ParseError.None, Parse(NdFrame(Na, Vip6)));
    }

    [Theory]
    [InlineData(Na)]
    [InlineData(Ns)]
    public void ZeroLengthOption_IsRejectedAtOnce(byte type)
    {
        // A length of zero would make a naive option walk stand still forever (RFC 4861 §7.1.1/§7.1.2).
        var alone = new byte[8];
        alone[0] = type == Na ? TargetLinkLayer : SourceLinkLayer;
        Assert.Equal(ParseError.NeighborDiscoveryZeroLengthOption, Parse(NdFrame(type, Vip6, alone, destination: IPv6Address.SolicitedNode(Vip6))));

        // Behind a valid option, and of an unknown type: still rejected, not skipped.
        var behind = LinkLayerOption(type == Na ? TargetLinkLayer : SourceLinkLayer, Mac).Concat(new byte[] { 200, 0, 0, 0, 0, 0, 0, 0 }).ToArray();
        Assert.Equal(ParseError.NeighborDiscoveryZeroLengthOption, Parse(NdFrame(type, Vip6, behind, destination: IPv6Address.SolicitedNode(Vip6))));
    }

    [Fact]
    public void OptionRunningPastTheEnd_IsRejected()
    {
        var option = LinkLayerOption(TargetLinkLayer, Mac);
        option[1] = 2; // claims 16 bytes, 8 are there
        Assert.Equal(ParseError.NeighborDiscoveryOptionOverrun, Parse(NdFrame(Na, Vip6, option)));

        option[1] = 255; // 2,040 bytes
        Assert.Equal(ParseError.NeighborDiscoveryOptionOverrun, Parse(NdFrame(Na, Vip6, option)));

        // One byte after the last option: a type without a length.
        var trailing = LinkLayerOption(TargetLinkLayer, Mac).Append((byte)TargetLinkLayer).ToArray();
        Assert.Equal(ParseError.NeighborDiscoveryOptionOverrun, Parse(NdFrame(Na, Vip6, trailing)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void TruncatedIcmpv6Header_IsRejected(int messageLength)
    {
        // The IPv6 payload length says the ICMPv6 message ends before its 4-byte header does.
        Assert.Equal(ParseError.TruncatedIcmpv6, Parse(NdFrame(Na, Vip6, messageLength: messageLength)));
    }

    [Theory]
    [InlineData(Na, 4)]
    [InlineData(Na, 8)]
    [InlineData(Na, 23)]
    [InlineData(Ns, 20)]
    public void NeighborDiscoveryShorterThan24Bytes_IsRejected(byte type, int messageLength)
    {
        // RFC 4861 §7.1.2: "ICMP length (derived from the IP length) is 24 or more octets"; checksum valid.
        Assert.Equal(ParseError.TruncatedIcmpv6, Parse(NdFrame(type, Vip6, messageLength: messageLength, destination: IPv6Address.SolicitedNode(Vip6))));
    }

    [Fact]
    public void WrongChecksum_IsRejected()
    {
        var frame = NdFrame(Na, Vip6, LinkLayerOption(TargetLinkLayer, Mac));
        var checksumAt = EthernetFrame.HeaderLength + IPv6Packet.HeaderLength + Icmpv6Checksum.FieldOffset;
        frame[checksumAt] ^= 0x01;
        Assert.Equal(ParseError.Icmpv6ChecksumMismatch, Parse(frame));

        // Zero is not "no checksum" in ICMPv6 (RFC 4443 §2.3).
        frame[checksumAt] = 0;
        frame[checksumAt + 1] = 0;
        Assert.Equal(ParseError.Icmpv6ChecksumMismatch, Parse(frame));

        // A checksum computed for another source covers the pseudo-header, so it does not verify here.
        var forged = NdFrame(Na, Vip6, LinkLayerOption(TargetLinkLayer, Mac), fixChecksum: false);
        var message = forged.AsSpan(EthernetFrame.HeaderLength + IPv6Packet.HeaderLength);
        Icmpv6Checksum.Fill(IPv6Address.From(IPAddress.Parse("fe80::2")), IPv6Address.AllNodes, message);
        Assert.Equal(ParseError.Icmpv6ChecksumMismatch, Parse(forged));
    }

    [Fact]
    public void DuplicateLinkLayerOption_IsRejectedAsAmbiguous()
    {
        var twoAddresses = LinkLayerOption(TargetLinkLayer, Mac).Concat(LinkLayerOption(TargetLinkLayer, OtherMac)).ToArray();
        Assert.Equal(ParseError.NeighborDiscoveryDuplicateLinkLayerOption, Parse(NdFrame(Na, Vip6, twoAddresses)));

        var twice = LinkLayerOption(SourceLinkLayer, Mac).Concat(LinkLayerOption(SourceLinkLayer, Mac)).ToArray();
        Assert.Equal(ParseError.NeighborDiscoveryDuplicateLinkLayerOption, Parse(NdFrame(Ns, Vip6, twice, destination: IPv6Address.SolicitedNode(Vip6))));
    }

    [Fact]
    public void LinkLayerOptionOfTheWrongSize_IsRejected()
    {
        // 16 bytes for a 6-byte address: not an Ethernet link-layer option (RFC 2464 §8 fixes length 1).
        var wide = new byte[16];
        wide[0] = TargetLinkLayer;
        wide[1] = 2;
        Mac.WriteTo(wide.AsSpan(2));
        Assert.Equal(ParseError.NeighborDiscoveryBadLinkLayerOption, Parse(NdFrame(Na, Vip6, wide)));
    }

    [Fact]
    public void UnknownAndForeignOptions_AreSkipped_NotRejected()
    {
        // RFC 4861 §4.6: receivers silently ignore options they do not recognize. A nonce (type 14,
        // RFC 3971) and an unassigned type, and a source link-layer option in an advertisement, which
        // only solicitations use, are all stepped over; the target link-layer address is still read.
        var nonce = new byte[] { 14, 1, 1, 2, 3, 4, 5, 6 };
        var unknown = new byte[] { 200, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        var options = nonce.Concat(unknown).Concat(LinkLayerOption(SourceLinkLayer, OtherMac)).Concat(LinkLayerOption(TargetLinkLayer, Mac)).ToArray();
        Assert.Equal(ParseError.None, LinkFrame.Parse(NdFrame(Na, Vip6, options), out var frame));
        Assert.Equal(Mac, frame.NeighborDiscovery.LinkLayerAddress);
    }

    [Theory]
    [InlineData(Na, 254)]
    [InlineData(Na, 64)]
    [InlineData(Na, 1)]
    [InlineData(Ns, 254)]
    [InlineData(Ns, 0)]
    public void HopLimitOtherThan255_IsRejected(byte type, byte hopLimit)
    {
        // RFC 4861 §7.1.1/§7.1.2: a router decremented it, so the message came from off-link.
        Assert.Equal(
            ParseError.NeighborDiscoveryHopLimitNot255,
            Parse(NdFrame(type, Vip6, hopLimit: hopLimit, destination: IPv6Address.SolicitedNode(Vip6))));
    }

    [Theory]
    [InlineData(Na, "ff02::1")]
    [InlineData(Na, "ff02::1:ff00:100")]
    [InlineData(Ns, "ff05::2")]
    public void MulticastTarget_IsRejected(byte type, string target)
    {
        var multicast = IPv6Address.From(IPAddress.Parse(target));
        Assert.Equal(ParseError.NeighborDiscoveryMulticastTarget, Parse(NdFrame(type, multicast, destination: IPv6Address.SolicitedNode(Vip6))));
    }

    [Fact]
    public void NonZeroCode_IsRejected()
    {
        Assert.Equal(ParseError.NeighborDiscoveryBadCode, Parse(NdFrame(Na, Vip6, code: 1)));
    }

    [Fact]
    public void SolicitationFromUnspecifiedSource_MustBeBareAndToASolicitedNodeGroup()
    {
        // RFC 4861 §7.1.1: a duplicate-address probe carries no source link-layer option ...
        Assert.Equal(
            ParseError.NeighborSolicitationInconsistent,
            Parse(NdFrame(Ns, Vip6, LinkLayerOption(SourceLinkLayer, Mac), source: IPv6Address.Unspecified, destination: IPv6Address.SolicitedNode(Vip6))));

        // ... and goes to a solicited-node multicast address.
        Assert.Equal(ParseError.NeighborSolicitationInconsistent, Parse(NdFrame(Ns, Vip6, source: IPv6Address.Unspecified, destination: IPv6Address.AllNodes)));
        Assert.Equal(ParseError.None, Parse(NdFrame(Ns, Vip6, source: IPv6Address.Unspecified, destination: IPv6Address.SolicitedNode(Vip6))));
    }

    [Fact]
    public void SolicitedFlagOnMulticastAdvertisement_IsRejected()
    {
        // RFC 4861 §7.1.2: "If the IP Destination Address is a multicast address the Solicited flag is zero."
        Assert.Equal(ParseError.NeighborAdvertisementInconsistent, Parse(NdFrame(Na, Vip6, flags: 0x60)));
    }

    [Theory]
    [InlineData(4, 8, ParseError.UnsupportedArpHardware)] // hardware length 8 with Ethernet's type
    [InlineData(4, 0, ParseError.UnsupportedArpHardware)]
    [InlineData(5, 16, ParseError.UnsupportedArpProtocol)] // protocol length 16 with IPv4's type
    [InlineData(5, 0, ParseError.UnsupportedArpProtocol)]
    [InlineData(1, 6, ParseError.UnsupportedArpHardware)] // hardware type 6 (IEEE 802)
    public void ArpWithWrongLengthsOrTypes_IsRejected(int offset, byte value, ParseError expected)
    {
        // The addresses sit at fixed offsets only for 6-byte hardware and 4-byte protocol addresses;
        // any other length would make the codec read the wrong bytes as the sender's address.
        var frame = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteGratuitousArpRequest(frame, Mac, Vip);
        Assert.Equal(ParseError.None, Parse(frame[..length]));
        frame[EthernetFrame.HeaderLength + offset] = value;
        Assert.Equal(expected, Parse(frame[..length]));
    }
}
