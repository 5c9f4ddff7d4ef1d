using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller;

/// <summary>Log messages of the controller. Event IDs 5000–5099. Every line about an object names it.</summary>
internal static partial class ControllerLog
{
    [LoggerMessage(5000, LogLevel.Information, "Service {Service}: assigned {Addresses} from pool {Pool}")]
    public static partial void Assigned(ILogger logger, string service, string addresses, string? pool);

    [LoggerMessage(5001, LogLevel.Warning, "Service {Service}: {Reason}: {Message}")]
    public static partial void Refused(ILogger logger, string service, string reason, string message);

    [LoggerMessage(5002, LogLevel.Information, "Service {Service}: released {Addresses}")]
    public static partial void Released(ILogger logger, string service, string addresses);

    [LoggerMessage(5003, LogLevel.Warning, "Service {Service}: writing to the API failed; retry in {DelayMs} ms")]
    public static partial void WriteFailed(ILogger logger, Exception exception, string service, long delayMs);

    [LoggerMessage(5004, LogLevel.Information, "Re-learned {Services} Services holding {Addresses} addresses from their status")]
    public static partial void Relearned(ILogger logger, int services, int addresses);

    [LoggerMessage(5005, LogLevel.Warning, "IPAddressPool {Pool} not accepted: {Problems}")]
    public static partial void PoolInvalid(ILogger logger, string pool, string problems);

    [LoggerMessage(5006, LogLevel.Information, "Leading: allocation is active")]
    public static partial void Leading(ILogger logger);

    [LoggerMessage(5007, LogLevel.Information, "Not leading: allocation is paused")]
    public static partial void NotLeading(ILogger logger);

    [LoggerMessage(5008, LogLevel.Warning, "IPAddressPool {Pool}: writing status failed")]
    public static partial void PoolStatusFailed(ILogger logger, Exception exception, string pool);

    [LoggerMessage(5010, LogLevel.Warning, "Service {Service}: {Reason}: {Message} (and {Suppressed} times more, not logged, since the last line)")]
    public static partial void RefusedAgain(ILogger logger, string service, string reason, string message, int suppressed);

    [LoggerMessage(5009, LogLevel.Error, "Controller component {Component} stopped unexpectedly")]
    public static partial void ComponentFailed(ILogger logger, Exception exception, string component);

    [LoggerMessage(5040, LogLevel.Warning, "A pool edit left {Services} Services holding addresses in no pool (kept, not renumbered); addresses in no pool: {Addresses}")]
    public static partial void AddressesLeftPools(ILogger logger, int services, string addresses);
}
