using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes;

/// <summary>Log messages of the Kubernetes client. Event IDs 3000–3099.</summary>
internal static partial class KubernetesLog
{
    [LoggerMessage(3000, LogLevel.Information, "Token file {Path} changed; using the rotated token")]
    public static partial void TokenRotated(ILogger logger, string path);

    [LoggerMessage(3001, LogLevel.Warning, "Token file {Path} cannot be read ({Error}); keeping the previous token")]
    public static partial void TokenFileUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(3002, LogLevel.Debug, "Exec plugin {Command} returned a credential, expiring {Expires}")]
    public static partial void ExecCredentialObtained(ILogger logger, string command, string expires);

    [LoggerMessage(3003, LogLevel.Information, "API server at {Source} answered 401; re-reading credentials and retrying once")]
    public static partial void RefreshingCredentials(ILogger logger, string source);

    [LoggerMessage(3004, LogLevel.Warning, "API request failed with {Code}; retry {Attempt} in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string code, int attempt, double delayMs);

    [LoggerMessage(3005, LogLevel.Information, "Continue token for {Resource} expired; listing again without pagination")]
    public static partial void ContinueExpired(ILogger logger, string resource);

    [LoggerMessage(3006, LogLevel.Warning, "Watch on {Resource} sent an unknown event type {Type}; ignored")]
    public static partial void UnknownWatchEvent(ILogger logger, string resource, string type);

    [LoggerMessage(3007, LogLevel.Debug, "Write hit 409 Conflict (attempt {Attempt}); re-reading")]
    public static partial void ConflictRetry(ILogger logger, int attempt);

    [LoggerMessage(3010, LogLevel.Information, "Informer {Resource}: listed {Count} objects at resourceVersion {ResourceVersion}")]
    public static partial void Listed(ILogger logger, string resource, int count, string resourceVersion);

    [LoggerMessage(3011, LogLevel.Information, "Informer {Resource}: resourceVersion {ResourceVersion} is gone; relisting")]
    public static partial void WatchGone(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(3012, LogLevel.Warning, "Informer {Resource}: {Operation} failed ({Error}); retrying in {DelayMs} ms")]
    public static partial void InformerBackoff(ILogger logger, string resource, string operation, string error, double delayMs);

    [LoggerMessage(3013, LogLevel.Debug, "Informer {Resource}: watch ended at resourceVersion {ResourceVersion}; resuming")]
    public static partial void WatchEnded(ILogger logger, string resource, string resourceVersion);

    [LoggerMessage(3014, LogLevel.Warning, "Informer {Resource}: no event for {IdleSeconds} s; reconnecting the watch")]
    public static partial void WatchIdle(ILogger logger, string resource, double idleSeconds);

    [LoggerMessage(3015, LogLevel.Error, "Informer {Resource}: a handler threw on {Kind} of {Key}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string resource, string kind, string key);

    [LoggerMessage(3016, LogLevel.Warning, "Informer {Resource}: watch sent ERROR {Code} {Reason}: {Message}")]
    public static partial void WatchError(ILogger logger, string resource, int code, string reason, string message);

    [LoggerMessage(3017, LogLevel.Warning, "Informer {Resource}: the API server's state went back ({Why}); listing afresh and dropping what no longer exists")]
    public static partial void StateWentBack(ILogger logger, string resource, string why);

    [LoggerMessage(3020, LogLevel.Information, "Leader election {Lease}: {Identity} became leader")]
    public static partial void StartedLeading(ILogger logger, string lease, string identity);

    [LoggerMessage(3021, LogLevel.Warning, "Leader election {Lease}: {Identity} stopped leading")]
    public static partial void StoppedLeading(ILogger logger, string lease, string identity);

    [LoggerMessage(3022, LogLevel.Information, "Leader election {Lease}: the leader is now {Leader}")]
    public static partial void NewLeader(ILogger logger, string lease, string leader);

    [LoggerMessage(3023, LogLevel.Debug, "Leader election {Lease}: attempt failed: {Error}")]
    public static partial void ElectionAttemptFailed(ILogger logger, string lease, string error);

    [LoggerMessage(3026, LogLevel.Warning, "Leader election {Lease}: {Identity} cannot read or write the lease ({Failures} failed attempts in a row): {Error}")]
    public static partial void LeaseUnwritable(ILogger logger, string lease, string identity, int failures, string error);

    [LoggerMessage(3027, LogLevel.Information, "Leader election {Lease}: the lease answers again after {Failures} failed attempts")]
    public static partial void LeaseWritableAgain(ILogger logger, string lease, int failures);

    [LoggerMessage(3024, LogLevel.Warning, "Leader election {Lease}: releasing the lease failed: {Error}")]
    public static partial void ReleaseFailed(ILogger logger, string lease, string error);

    [LoggerMessage(3025, LogLevel.Error, "Leader election {Lease}: a callback threw")]
    public static partial void CallbackFailed(ILogger logger, Exception exception, string lease);

    [LoggerMessage(3030, LogLevel.Warning, "Event {Reason} on {Object} could not be recorded: {Error}")]
    public static partial void EventFailed(ILogger logger, string reason, string @object, string error);
}
