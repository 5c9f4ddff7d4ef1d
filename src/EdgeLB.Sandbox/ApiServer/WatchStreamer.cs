using System.Buffers;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Serves one watch as a chunked stream of JSON event lines. A change that moves an object into the
/// selector is sent as ADDED and out of it as DELETED, as the real watch cache does. Bookmarks are
/// queued through the store so their resourceVersion never runs ahead of delivered events. A start
/// resourceVersion older than the history window yields one ERROR event carrying a 410 Status; one the
/// server has not reached (after a short wait for it) an ERROR event with 504 "too large resource version".
/// </summary>
internal sealed class WatchStreamer
{
    private readonly ObjectStore _store;
    private readonly TableConverter _tables;
    private readonly TimeProvider _time;
    private readonly TimeSpan _bookmarkInterval;
    private readonly TimeSpan _tooLargeWait;
    private readonly ILogger _logger;

    public WatchStreamer(ObjectStore store, TableConverter tables, TimeProvider time, TimeSpan bookmarkInterval, TimeSpan tooLargeWait, ILogger logger)
    {
        _store = store;
        _tables = tables;
        _time = time;
        _bookmarkInterval = bookmarkInterval;
        _tooLargeWait = tooLargeWait;
        _logger = logger;
    }

    public async Task StreamAsync(HttpContext context, WatchRequest request)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        WatchSubscription sub;
        List<StoredEvent> initial;
        if (request.FromResourceVersion is { } from
            && await _store.WaitForResourceVersionAsync(from, _tooLargeWait, _time, aborted) is { } current)
        {
            // A version the server has not reached (its state went back, or the client invented it):
            // like the real server, one ERROR event rather than an HTTP error, then the end.
            response.StatusCode = 200;
            response.ContentType = "application/json";
            await response.Body.WriteAsync(HttpJson.WatchLine("ERROR", StatusBody.Failure(ApiException.TooLargeResourceVersion(from, current))), aborted);
            ApiServerLog.WatchClosed(_logger, request.Type.QualifiedName, 0, "too large resource version");
            return;
        }

        try
        {
            (sub, initial) = _store.Subscribe(request.Type, request.Namespace, request.SendInitialEvents ? null : request.FromResourceVersion);
        }
        catch (ApiException gone) when (gone.Code == 410)
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            await response.Body.WriteAsync(HttpJson.WatchLine("ERROR", StatusBody.Failure(gone)), aborted);
            ApiServerLog.WatchClosed(_logger, request.Type.QualifiedName, 0, "expired");
            return;
        }

        ApiServerLog.WatchOpened(_logger, request.Type.QualifiedName, request.FromResourceVersion);
        var sent = 0;
        var why = "timeout";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        using var expiry = _time.CreateTimer(_ => SafeCancel(timeout), null, request.Timeout, Timeout.InfiniteTimeSpan);
        using var bookmarks = request.Bookmarks
            ? _time.CreateTimer(_ => _store.RequestBookmark(sub), null, _bookmarkInterval, _bookmarkInterval)
            : null;
        try
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            await response.StartAsync(aborted);
            var lastSent = request.FromResourceVersion ?? 0;
            var bookmarkSent = false;
            foreach (var e in initial)
            {
                if (await SendAsync(response, request, e, timeout.Token))
                {
                    sent++;
                }

                lastSent = Math.Max(lastSent, e.ResourceVersion);
            }

            if (request.SendInitialEvents)
            {
                var rv = Math.Max(lastSent, _store.ResourceVersion);
                await WriteBookmarkAsync(response, request, rv, initialEventsEnd: true, timeout.Token);
                lastSent = rv;
            }

            await response.Body.FlushAsync(timeout.Token);
            while (await sub.Reader.WaitToReadAsync(timeout.Token))
            {
                while (sub.Reader.TryRead(out var item))
                {
                    if (item.Event is { } e)
                    {
                        if (e.ResourceVersion <= lastSent && request.FromResourceVersion is not null)
                        {
                            // Already replayed from history while the subscription was being set up.
                            continue;
                        }

                        if (await SendAsync(response, request, e, timeout.Token))
                        {
                            sent++;
                        }

                        lastSent = Math.Max(lastSent, e.ResourceVersion);
                    }
                    else if (item.BookmarkResourceVersion > lastSent || !bookmarkSent)
                    {
                        lastSent = Math.Max(lastSent, item.BookmarkResourceVersion);
                        await WriteBookmarkAsync(response, request, lastSent, initialEventsEnd: false, timeout.Token);
                        bookmarkSent = true;
                    }
                }

                await response.Body.FlushAsync(timeout.Token);
            }

            why = sub.Aborted ? "dropped (reset)" : "dropped";
            if (sub.Aborted)
            {
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            why = aborted.IsCancellationRequested ? "client gone" : "timeout";
        }
        catch (IOException)
        {
            why = "client gone";
        }
        finally
        {
            _store.Unsubscribe(sub);
            ApiServerLog.WatchClosed(_logger, request.Type.QualifiedName, sent, why);
        }
    }

    private async Task<bool> SendAsync(HttpResponse response, WatchRequest request, StoredEvent e, CancellationToken ct)
    {
        var nowMatches = request.Filter.Matches(e.Object);
        var wasMatching = e.Previous is not null && request.Filter.Matches(e.Previous);
        var type = e.Type switch
        {
            WatchEventType.Added => nowMatches ? "ADDED" : null,
            WatchEventType.Deleted => wasMatching ? "DELETED" : null,
            _ when nowMatches && wasMatching => "MODIFIED",
            _ when nowMatches => "ADDED",
            _ when wasMatching => "DELETED",
            _ => null,
        };
        if (type is null)
        {
            return false;
        }

        if (request.AsTable)
        {
            await response.Body.WriteAsync(HttpJson.WatchLine(type, _tables.Convert(request.Type, [e.Object], request.IncludeObject, withColumns: true)), ct);
            return true;
        }

        // The object's shared bytes go straight into the response, framed as an event: no line is
        // built per event and watch. The loop flushes after each batch; a long batch every so often
        // (every event where the transport cannot tell how much is waiting).
        var writer = response.BodyWriter;
        writer.Write(EventHead(type));
        writer.Write(e.ObjectJson);
        writer.Write("}\n"u8);
        if (!writer.CanGetUnflushedBytes || writer.UnflushedBytes > FlushBytes)
        {
            await writer.FlushAsync(ct);
        }

        return true;
    }

    private const int FlushBytes = 64 * 1024;

    private static ReadOnlySpan<byte> EventHead(string type) => type switch
    {
        "ADDED" => """{"type":"ADDED","object":"""u8,
        "MODIFIED" => """{"type":"MODIFIED","object":"""u8,
        _ => """{"type":"DELETED","object":"""u8,
    };

    private static async Task WriteBookmarkAsync(HttpResponse response, WatchRequest request, long rv, bool initialEventsEnd, CancellationToken ct)
    {
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        var obj = new JsonObject { ["kind"] = request.Type.Kind, ["apiVersion"] = request.Type.ApiVersion, ["metadata"] = meta };
        await response.Body.WriteAsync(HttpJson.WatchLine("BOOKMARK", obj), ct);
    }

    private static void SafeCancel(CancellationTokenSource cts)
    {
        try
        {
            cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The watch already ended.
        }
    }
}
