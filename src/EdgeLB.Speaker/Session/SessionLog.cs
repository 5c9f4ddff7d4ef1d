using System.Net;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Session;

/// <summary>Session client log messages; event ids 2300-2399 are the session's.</summary>
internal static partial class SessionLog
{
    [LoggerMessage(2300, LogLevel.Information, "Dialling the coordinator at {Controller}")]
    public static partial void Dialling(ILogger logger, string controller);

    [LoggerMessage(2301, LogLevel.Information, "Session established with {Controller} (heartbeat {Interval}, lease {Lease}, {Peers} peer speakers)")]
    public static partial void Established(ILogger logger, string controller, TimeSpan interval, TimeSpan lease, int peers);

    [LoggerMessage(2302, LogLevel.Warning, "Session with {Controller} ended: {Reason}")]
    public static partial void Ended(ILogger logger, string controller, string reason);

    [LoggerMessage(2303, LogLevel.Information, "{Controller} is not the leader; dialling the leader at {Leader}")]
    public static partial void Redirected(ILogger logger, string controller, string leader);

    [LoggerMessage(2304, LogLevel.Warning, "Orphaned: the controller is gone; holding {Count} VIPs until a peer claims them or a controller takes over ({Limit} after the last dial that found no leader)")]
    public static partial void Orphaned(ILogger logger, int count, TimeSpan limit);

    [LoggerMessage(2305, LogLevel.Error, "Cannot read the token file {Path}: {Reason}")]
    public static partial void TokenUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(2306, LogLevel.Error, "The coordinator at {Controller} refused this speaker: {Status} {Detail}")]
    public static partial void Refused(ILogger logger, string controller, string status, string detail);

    [LoggerMessage(2307, LogLevel.Information, "Holding {Vip} with epoch {Epoch} on {Interface}: {Ports} ports forwarded (ready from a standby: {WasStandby}), lease {Lease}, {AppliedMs} ms after the Assignment arrived, {ForwardingMs} ms of it setting up forwarding")]
    public static partial void Assigned(ILogger logger, IPAddress vip, ulong epoch, string @interface, int ports, bool wasStandby, TimeSpan lease, long appliedMs, long forwardingMs);

    [LoggerMessage(2308, LogLevel.Information, "Released {Vip} (epoch {Epoch}): {Reason}")]
    public static partial void Dropped(ILogger logger, IPAddress vip, ulong epoch, string reason);

    [LoggerMessage(2309, LogLevel.Information, "Ignored a {Message} for {Vip} with epoch {Epoch}: epoch {Held} is held")]
    public static partial void StaleIgnored(ILogger logger, string message, IPAddress vip, ulong epoch, ulong held);

    [LoggerMessage(2310, LogLevel.Warning, "Assignment of {Vip} (epoch {Epoch}): {Problem}")]
    public static partial void BadAssignment(ILogger logger, string vip, ulong epoch, string problem);

    [LoggerMessage(2311, LogLevel.Error, "Forwarding {Port} failed")]
    public static partial void ForwardingFailed(ILogger logger, Exception exception, string port);

    [LoggerMessage(2312, LogLevel.Error, "Announcing {Vip} on {Interface} failed")]
    public static partial void AnnounceFailed(ILogger logger, Exception exception, IPAddress vip, string @interface);

    [LoggerMessage(2313, LogLevel.Information, "Draining: asked the controller to move {Count} VIPs within {Deadline}")]
    public static partial void Draining(ILogger logger, int count, TimeSpan deadline);

    [LoggerMessage(2314, LogLevel.Information, "Drain finished ({How}); stopped announcing {Count} VIPs before closing the session")]
    public static partial void Drained(ILogger logger, string how, int count);

    [LoggerMessage(2315, LogLevel.Warning, "{Vip} claimed by {Mac} ({Who}) on {Interface}")]
    public static partial void ClaimSeen(ILogger logger, IPAddress vip, string mac, string who, string @interface);

    [LoggerMessage(2316, LogLevel.Warning, "No message from {Controller} for {Silence}; abandoning the session (its leases lapse, no orphaned holding)")]
    public static partial void Silent(ILogger logger, string controller, TimeSpan silence);

    [LoggerMessage(2317, LogLevel.Debug, "Next dial in {Delay}")]
    public static partial void Backoff(ILogger logger, TimeSpan delay);

    [LoggerMessage(2318, LogLevel.Warning, "Orphaned holding ended: {Reason}")]
    public static partial void OrphanEnded(ILogger logger, string reason);

    [LoggerMessage(2319, LogLevel.Information, "Standing by for {Vip}: {Ports} ports ready to forward, nothing announced")]
    public static partial void StandingBy(ILogger logger, IPAddress vip, int ports);

    [LoggerMessage(2320, LogLevel.Information, "No longer standing by for {Vip}: {Reason}")]
    public static partial void StoodDown(ILogger logger, IPAddress vip, string reason);

    [LoggerMessage(2321, LogLevel.Warning, "Standby for {Vip}: {Problem}")]
    public static partial void BadStandby(ILogger logger, string vip, string problem);

    [LoggerMessage(2322, LogLevel.Warning, "Cannot ping the holders this node stands by for ({Reason}); only their leases will tell when they are cut off")]
    public static partial void ProbeUnavailable(ILogger logger, string reason);

    [LoggerMessage(2323, LogLevel.Warning, "Defending {Vip} (epoch {Epoch}) against a false claim: {Reason}")]
    public static partial void Defending(ILogger logger, IPAddress vip, long epoch, string reason);
}
