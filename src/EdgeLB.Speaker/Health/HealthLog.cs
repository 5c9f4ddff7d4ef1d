using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Health;

internal static partial class HealthLog
{
    [LoggerMessage(EventId = 1300, Level = LogLevel.Information, Message = "backend {Target} is {State}: {Reason}")]
    public static partial void Transition(ILogger logger, HealthTarget target, string state, string reason);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "health check of {Target} failed: {Reason}")]
    public static partial void CheckFailed(ILogger logger, HealthTarget target, string reason);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "health check of {Target} threw")]
    public static partial void CheckThrew(ILogger logger, HealthTarget target, Exception exception);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "a health change handler threw")]
    public static partial void HandlerThrew(ILogger logger, Exception exception);
}
