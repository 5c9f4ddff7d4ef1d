using System.Net;
using EdgeLB.Net.Ethernet;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Announcing;

/// <summary>Announcer log messages; event ids 2100-2199 are the announcer's.</summary>
internal static partial class AnnouncerLog
{
    [LoggerMessage(2100, LogLevel.Information, "Announcing {Vip} on {Interface} ({Mac}) with epoch {Epoch} until {LeaseUntil:o}")]
    public static partial void Assigned(ILogger logger, IPAddress vip, string @interface, MacAddress mac, long epoch, DateTimeOffset leaseUntil);

    [LoggerMessage(2101, LogLevel.Information, "Stopped announcing {Vip} on {Interface}: {Reason}")]
    public static partial void Stopped(ILogger logger, IPAddress vip, string @interface, string reason);

    [LoggerMessage(2102, LogLevel.Warning, "Refused assignment of {Vip} with epoch {Epoch}: {Reason}")]
    public static partial void AssignRefused(ILogger logger, IPAddress vip, long epoch, string reason);

    [LoggerMessage(2103, LogLevel.Warning, "{Vip} claimed on {Interface} by {ClaimantMac} ({Kind}); we are {OurMac}; verdict {Verdict}")]
    public static partial void Claimed(ILogger logger, IPAddress vip, string @interface, MacAddress claimantMac, ClaimKind kind, MacAddress ourMac, ClaimVerdict verdict);

    [LoggerMessage(2104, LogLevel.Error, "A claim handler failed for {Vip}")]
    public static partial void ClaimHandlerFailed(ILogger logger, Exception exception, IPAddress vip);

    [LoggerMessage(2105, LogLevel.Warning, "Preflight on {Interface}: {Check}={Value}: {Message}")]
    public static partial void PreflightWarning(ILogger logger, string @interface, string check, string value, string message);

    [LoggerMessage(2106, LogLevel.Information, "Preflight on {Interface}: {Check}={Value}: {Message}")]
    public static partial void PreflightInfo(ILogger logger, string @interface, string check, string value, string message);

    [LoggerMessage(2107, LogLevel.Warning, "{Vip} is already in use on {Interface} by {OwnerMac}")]
    public static partial void ProbeConflict(ILogger logger, IPAddress vip, string @interface, MacAddress ownerMac);

    [LoggerMessage(2108, LogLevel.Error, "Receive loop on {Interface} failed; restarting in 1 s")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string @interface);

    [LoggerMessage(2109, LogLevel.Error, "Sending on {Interface} failed")]
    public static partial void SendFailed(ILogger logger, Exception exception, string @interface);

    [LoggerMessage(2110, LogLevel.Debug, "Dropped a malformed frame on {Interface}: {Reason}")]
    public static partial void Malformed(ILogger logger, string @interface, Net.ParseError reason);

    [LoggerMessage(2111, LogLevel.Information, "Link {Interface} is back up; re-announcing its addresses")]
    public static partial void LinkBack(ILogger logger, string @interface);

    [LoggerMessage(2112, LogLevel.Warning, "{Interface} changed its MAC from {OldMac} to {NewMac}; restart the speaker to announce with the new one")]
    public static partial void MacChanged(ILogger logger, string @interface, MacAddress oldMac, MacAddress newMac);
}
