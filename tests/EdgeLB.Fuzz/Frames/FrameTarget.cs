using CsCheck;
using EdgeLB.Net;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Frames;

namespace EdgeLB.Fuzz.Frames;

/// <summary>One frame case: random bytes, or a valid frame with a targeted fault and random edits on top.</summary>
internal sealed record FrameCase(FrameSpec? Spec, FrameFault Fault, byte[] Raw, Mutation[] Mutations)
{
    public byte[] Bytes() => Mutation.ApplyAll(Spec?.Build(Fault) ?? Raw, Mutations);
}

/// <summary>
/// Ethernet / ARP / IPv6 Neighbor Discovery decoding (<see cref="LinkFrame.Parse"/>): nothing may
/// throw; an untouched frame from the project's writers decodes to what was written; whatever decodes
/// satisfies the rules the announcer relies on.
/// </summary>
internal sealed class FrameTarget : IFuzzTarget<FrameCase>
{
    private readonly Tally _outcomes = new();

    public string Name => "frames";

    public TimeSpan CaseBound => TimeSpan.FromSeconds(1);

    public Gen<FrameCase> Inputs { get; } = Gen.Frequency(
        (1, Gen.Byte.Array[0, 200].Select(raw => new FrameCase(null, FrameFault.None, raw, []))),
        (2, Gen.Select(FrameSpec.Any, Gen.Enum<FrameFault>(), (spec, fault) => new FrameCase(spec, fault, [], []))),
        (6, Gen.Select(FrameSpec.Any, Gen.Enum<FrameFault>(), Mutation.Some, (spec, fault, edits) => new FrameCase(spec, fault, [], edits))));

    public string? Check(FrameCase input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var bytes = input.Bytes();
        var error = LinkFrame.Parse(bytes, out var frame);
        _outcomes.Add(error == ParseError.None ? frame.Kind.ToString() : error.ToString());
        if (input.Spec is { } spec && input.Fault == FrameFault.None && input.Mutations.Length == 0)
        {
            var expected = spec.Arp ? LinkFrameKind.Arp : spec.Solicitation ? LinkFrameKind.NeighborSolicitation : LinkFrameKind.NeighborAdvertisement;
            if (spec.Valid && (error != ParseError.None || frame.Kind != expected))
            {
                return $"a valid frame from the writers did not decode: {error}";
            }

            if (error == ParseError.None && !spec.Valid)
            {
                return "a frame that breaks RFC 4861 §7.1 decoded";
            }

            if (error == ParseError.None && (frame.Ethernet.Source.ToString() != new Net.Ethernet.MacAddress(spec.SourceMac).ToString()
                || frame.Ethernet.HasVlanTag != spec.Vlan.HasValue || (spec.Vlan is { } vlan && frame.Ethernet.VlanTci != vlan)))
            {
                return "the Ethernet header decoded differently from what was written";
            }
        }

        if (error != ParseError.None)
        {
            return null;
        }

        switch (frame.Kind)
        {
            case LinkFrameKind.Arp:
                // What decodes re-encodes to the same packet.
                Span<byte> again = stackalloc byte[ArpPacket.Length];
                frame.Arp.WriteTo(again);
                return ArpPacket.Parse(again, out var reparsed) != ParseError.None || reparsed != frame.Arp ? "an ARP packet did not survive re-encoding" : null;
            case LinkFrameKind.NeighborSolicitation or LinkFrameKind.NeighborAdvertisement:
                return frame.NeighborDiscovery.Target.IsMulticast ? "an ND message with a multicast target decoded" : null;
            default:
                return $"decoded to an unexpected kind {frame.Kind}";
        }
    }

    public string Summary() => _outcomes.ToString();

    public string Describe(FrameCase input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return $"{(input.Spec is null ? "raw" : input.Spec.Arp ? "arp" : "nd")} fault={input.Fault} edits=[{string.Join(", ", input.Mutations)}] bytes={Convert.ToHexString(input.Bytes())}";
    }
}
