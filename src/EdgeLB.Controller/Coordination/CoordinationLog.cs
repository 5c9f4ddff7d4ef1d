using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Coordination;

/// <summary>Log messages of the coordinator. Event IDs 5060–5099 (the controller's range is 5000–5099).</summary>
internal static partial class CoordinationLog
{
    [LoggerMessage(5060, LogLevel.Information, "Coordinator leading in term {Term}: {Groups} VIP groups; waiting for {Holders} holder nodes to report before changing anything")]
    public static partial void StartedTerm(ILogger logger, ulong term, int groups, int holders);

    [LoggerMessage(5061, LogLevel.Information, "Relearned: {Held} of {Vips} VIPs are announced by the speakers that reported")]
    public static partial void Relearned(ILogger logger, int held, int vips);

    [LoggerMessage(5062, LogLevel.Warning, "Relearn timed out; still silent: {Nodes}")]
    public static partial void RelearnTimedOut(ILogger logger, string nodes);

    [LoggerMessage(5063, LogLevel.Information, "Speaker session opened: node {Node}, version {Version}, instance {Instance}")]
    public static partial void SessionOpened(ILogger logger, string node, string version, string instance);

    [LoggerMessage(5064, LogLevel.Information, "Speaker session of node {Node} ended ({Cause}); {Groups} VIP groups move now")]
    public static partial void SessionClosed(ILogger logger, string node, string cause, int groups);

    [LoggerMessage(5065, LogLevel.Warning, "Speaker on node {Node} silent for {SilentMs} ms")]
    public static partial void SessionSilent(ILogger logger, string node, long silentMs);

    [LoggerMessage(5066, LogLevel.Information, "VIP {Address} assigned to node {Node} on {Interface}, epoch {Epoch} ({Cause})")]
    public static partial void Assigned(ILogger logger, string address, string node, string @interface, ulong epoch, string cause);

    [LoggerMessage(5067, LogLevel.Information, "VIP {Address} stays on node {Node}, epoch {Epoch}, as its speaker reports")]
    public static partial void Adopted(ILogger logger, string address, string node, ulong epoch);

    [LoggerMessage(5077, LogLevel.Warning, "VIP {Address} on node {Node}, epoch {Epoch}, is not announced there ({Reason}); assigning it again")]
    public static partial void NotAnnounced(ILogger logger, string address, string node, ulong epoch, string reason);

    [LoggerMessage(5078, LogLevel.Warning, "{Sessions} speaker sessions exceed the heartbeat budget of {Budget} a second: heartbeat interval now {Interval}, lease {Lease}")]
    public static partial void TimingsScaled(ILogger logger, int sessions, int budget, TimeSpan interval, TimeSpan lease);

    [LoggerMessage(5068, LogLevel.Information, "Node {Node} drains ({Reason}); moving {Vips} VIPs")]
    public static partial void Draining(ILogger logger, string node, string reason, int vips);

    [LoggerMessage(5069, LogLevel.Information, "Node {Node} drained; {Stranded} VIPs had nowhere to go")]
    public static partial void Drained(ILogger logger, string node, int stranded);

    [LoggerMessage(5070, LogLevel.Warning, "Node {Node} saw VIP {Address} claimed by MAC {Mac} on {Interface} (known peer: {KnownPeer})")]
    public static partial void ForeignClaim(ILogger logger, string node, string address, string mac, string @interface, bool knownPeer);

    [LoggerMessage(5071, LogLevel.Error, "Planning the announcers failed; retrying")]
    public static partial void PlanFailed(ILogger logger, Exception exception);

    [LoggerMessage(5072, LogLevel.Warning, "Speaker session refused ({Status}) from {Peer}: {Reason}")]
    public static partial void Refused(ILogger logger, string status, string peer, string reason);

    [LoggerMessage(5095, LogLevel.Warning, "{Count} more calls without a valid token were refused since the last such line, without a line each (edgelb_session_refusals counts them)")]
    public static partial void RefusalsSuppressed(ILogger logger, int count);

    [LoggerMessage(5073, LogLevel.Warning, "Speaker session of node {Node} failed")]
    public static partial void SessionFailed(ILogger logger, Exception exception, string node);

    [LoggerMessage(5074, LogLevel.Warning, "Publishing the coordinator address on the leader Lease failed; retrying")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(5075, LogLevel.Warning, "Writing the announcement of Service {Service} failed")]
    public static partial void AnnouncementWriteFailed(ILogger logger, Exception exception, string service);

    [LoggerMessage(5076, LogLevel.Warning, "Coordinator configuration problem: {Problem}")]
    public static partial void ConfigurationProblem(ILogger logger, string problem);

    [LoggerMessage(5079, LogLevel.Warning, "Speaker on node {Node} silent for {SilentMs} ms and not answering pings from node {Reporter}: taken as cut off, its VIPs move now")]
    public static partial void CutOff(ILogger logger, string node, long silentMs, string reporter);

    [LoggerMessage(5080, LogLevel.Warning, "VIP {Address} held by node {Node} was claimed by MAC {Mac} ({Who}): defended, not moved")]
    public static partial void ClaimDefended(ILogger logger, string address, string node, string mac, string who);
}
