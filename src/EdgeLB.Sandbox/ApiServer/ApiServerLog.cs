using Microsoft.Extensions.Logging;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>Log messages of the in-memory API server (event ids 7000–7099).</summary>
internal static partial class ApiServerLog
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "In-memory API server listening on {Address}")]
    public static partial void Listening(ILogger logger, Uri address);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "{Method} {Path} -> {Code}")]
    public static partial void Request(ILogger logger, string method, string path, int code);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Error, Message = "{Method} {Path} failed unexpectedly")]
    public static partial void Unexpected(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Debug, Message = "Watch on {Resource} opened from resourceVersion {ResourceVersion}")]
    public static partial void WatchOpened(ILogger logger, string resource, long? resourceVersion);

    [LoggerMessage(EventId = 7004, Level = LogLevel.Debug, Message = "Watch on {Resource} closed after {Events} events ({Why})")]
    public static partial void WatchClosed(ILogger logger, string resource, int events, string why);

    [LoggerMessage(EventId = 7005, Level = LogLevel.Information, Message = "Injected fault: {Method} {Path} answered {Code}")]
    public static partial void FaultInjected(ILogger logger, string method, string path, int code);
}
