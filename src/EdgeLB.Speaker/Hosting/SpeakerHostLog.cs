using Microsoft.Extensions.Logging;

namespace EdgeLB.Speaker.Hosting;

/// <summary>Speaker host log messages; event ids 2400-2499.</summary>
internal static partial class SpeakerHostLog
{
    [LoggerMessage(2400, LogLevel.Information, "Speaker {Node} starting: coordinator {Controller}, data plane {DataPlane}, HTTP on {Http}")]
    public static partial void Starting(ILogger logger, string node, string controller, string dataPlane, string http);

    [LoggerMessage(2401, LogLevel.Warning, "Cannot open interface {Interface} for announcing; VIPs assigned to it will fail")]
    public static partial void PreflightFailed(ILogger logger, Exception exception, string @interface);

    [LoggerMessage(2402, LogLevel.Information, "Speaker stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(2403, LogLevel.Information, "Ran a takeover through a discarding interface in {Ms} ms ({Compiled} methods compiled; none in the native build), so the first real one pays no first-use costs")]
    public static partial void WarmedUp(ILogger logger, long ms, long compiled);

    [LoggerMessage(2404, LogLevel.Warning, "The takeover warm-up failed; the first takeover will pay its first-use costs")]
    public static partial void WarmUpFailed(ILogger logger, Exception exception);
}
