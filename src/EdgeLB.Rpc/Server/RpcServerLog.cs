using Microsoft.Extensions.Logging;

namespace EdgeLB.Rpc.Server;

/// <summary>Server-side log events. Event IDs 4000-4099 belong to EdgeLB.Rpc's server.</summary>
internal static partial class RpcServerLog
{
    [LoggerMessage(4000, LogLevel.Error, "Handler of {Method} threw; the call ends with UNKNOWN")]
    public static partial void HandlerFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(4001, LogLevel.Debug, "Call {Method} ended because the client went away")]
    public static partial void CallAborted(ILogger logger, string method);

    [LoggerMessage(4002, LogLevel.Debug, "Call {Method} passed its deadline")]
    public static partial void DeadlineExceeded(ILogger logger, string method);

    [LoggerMessage(4003, LogLevel.Debug, "Rejected request {Path}: {Code} {Detail}")]
    public static partial void Rejected(ILogger logger, string path, StatusCode code, string detail);
}
