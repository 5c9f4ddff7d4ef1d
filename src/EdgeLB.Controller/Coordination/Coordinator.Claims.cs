using EdgeLB.Core.Addresses;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Claims on the wire are evidence, not orders. A speaker reports every frame by which another MAC
/// claims a VIP it holds (<c>Heartbeat.foreign_claims</c>) and obeys none of them while its session
/// is open; the coordinator, which knows every holder and epoch, judges them here.
/// </summary>
internal sealed partial class Coordinator
{
    /// <summary>Least time between two <c>AddressConflict</c> Events for one VIP.</summary>
    internal static readonly TimeSpan ClaimEventInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A claim reported by <paramref name="reporter"/>. When the reporter is not the VIP's holder,
    /// the claim is real (a handover, whose Revoke follows the new holder's heartbeat, or a holder the
    /// coordinator already moved the VIP off, which its Revoke or lease stops) and needs nothing
    /// more. When the reporter is the holder, nobody else was given the VIP: a known peer's MAC is
    /// forged or stale, so the holder is told to defend (a peer that still announces the VIP is
    /// revoked from its own heartbeat), and an unknown MAC was already defended by the speaker. Both
    /// raise a Warning Event on the Services of the VIP, at most once per <see cref="ClaimEventInterval"/>
    /// per VIP and group.
    /// </summary>
    private void JudgeClaim(SpeakerSession reporter, ForeignClaim claim, DateTimeOffset now)
    {
        _metrics.Conflict(claim.KnownPeer);
        var mac = FormatMac(claim.Mac.Span);
        CoordinationLog.ForeignClaim(_logger, reporter.Node, claim.Address, mac, claim.Interface, claim.KnownPeer);
        if (!IPValue.TryParse(claim.Address, out var address)
            || !_vips.TryGetValue(address, out var record)
            || record.Holder != reporter.Node
            || !reporter.Held.TryGetValue(address, out var held))
        {
            return;
        }

        var claimant = claim.KnownPeer ? SessionWithMac(claim.Mac) : null;
        var who = claim.KnownPeer ? $"node {claimant ?? "(a peer no longer connected)"}, which was not given it" : "a host that is not a speaker";
        if (claim.KnownPeer)
        {
            reporter.Send(new ControllerMessage { Defend = new Defend { Address = claim.Address, Epoch = held.Epoch, Reason = $"{mac} is {who}" } });
        }

        _metrics.Defended(claim.KnownPeer);
        CoordinationLog.ClaimDefended(_logger, claim.Address, reporter.Node, mac, who);
        if (record.LastConflictEvent is { } last && last.GroupKey == record.GroupKey && now - last.At < ClaimEventInterval)
        {
            return; // a Service that takes the address over later gets its own Event
        }

        record.LastConflictEvent = (now, record.GroupKey);
        if (_derived.GroupsByKey.TryGetValue(record.GroupKey, out var group))
        {
            _sink.Warn(group, "AddressConflict", $"{claim.Address} was claimed on the wire by MAC {mac} ({who}); {reporter.Node} keeps announcing it and defended it");
        }
    }

    private string? SessionWithMac(Google.Protobuf.ByteString mac) =>
        _sessions.Values.FirstOrDefault(s => s.Macs.Any(m => m.Equals(mac)))?.Node;

    private static string FormatMac(ReadOnlySpan<byte> mac) =>
        mac.Length == 6 ? string.Join(':', mac.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))) : Convert.ToHexString(mac);
}
