using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Kubernetes.Tests.Fakes;

/// <summary>
/// A small API server for client tests: one global resourceVersion, list with limit/continue,
/// watch with history replay, bookmarks and 410 after compaction, 409 on stale writes, status
/// subresource, merge patch, and fault injection. Objects are kept as raw JSON, so fields the
/// client does not model survive.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _collections = new(StringComparer.Ordinal);
    private readonly List<HistoryEntry> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly Queue<(int Code, string? RetryAfter)> _failures = new();
    private readonly List<string> _requests = [];
    private WebApplication? _app;
    private long _rv = 100;
    private long _compactedRv;
    private int _inFlight;
    private bool _restoring;

    private FakeApiServer()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>When set, requests must carry one of these bearer tokens (401 otherwise).</summary>
    public ISet<string>? AcceptedTokens { get; set; }

    /// <summary>When set, new watch requests get this status code (e.g. 500) instead of a stream.</summary>
    public int? RejectWatchesWith { get; set; }

    /// <summary>A watch from a compacted resourceVersion gets 200 + an ERROR event instead of HTTP 410.</summary>
    public bool GoneAsErrorEvent { get; set; }

    /// <summary>Every non-watch answer is delayed this long.</summary>
    public TimeSpan ResponseDelay { get; set; }

    /// <summary>Every continue token is answered with 410 Expired.</summary>
    public bool ExpireContinueTokens { get; set; }

    /// <summary>
    /// Answer a list or watch from a resourceVersion the server has not reached the way the real one
    /// does (504 Timeout, cause ResourceVersionTooLarge; an ERROR event on a watch). When false, such a
    /// watch waits silently and such a list answers at the current, lower resourceVersion.
    /// </summary>
    public bool AnswerTooLargeResourceVersion { get; set; } = true;

    public string? LastAuthorization { get; private set; }

    public string? LastClientCertificateSubject { get; private set; }

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _rv;
            }
        }
    }

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Requests being answered now (a watch counts only until its headers are sent).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public int RequestCount
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    public int ActiveWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    public static async Task<FakeApiServer> StartAsync(X509Certificate2? serverCertificate = null, bool requireClientCertificate = false)
    {
        var server = new FakeApiServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (serverCertificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateMode = requireClientCertificate ? ClientCertificateMode.RequireCertificate : ClientCertificateMode.NoCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            }
        }));
        var app = builder.Build();
        app.Run(server.HandleCountedAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        server._app = app;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        DropWatches();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="code"/>.</summary>
    public void FailNext(int count, int code, string? retryAfter = null)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _failures.Enqueue((code, retryAfter));
            }
        }
    }

    public void ClearFailures()
    {
        lock (_gate)
        {
            _failures.Clear();
        }
    }

    /// <summary>Cuts every open watch connection.</summary>
    public void DropWatches()
    {
        List<Watcher> watchers;
        lock (_gate)
        {
            watchers = [.. _watchers];
        }

        foreach (var w in watchers)
        {
            w.Abort();
        }
    }

    /// <summary>Forgets history up to now: watches from older resourceVersions get 410.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _compactedRv = _rv;
            _history.Clear();
        }
    }

    /// <summary>
    /// The server's state goes back, as after an etcd restore or a fresh server on the same address:
    /// every object and all history are forgotten, the resourceVersion counter restarts at
    /// <paramref name="resourceVersion"/> and the <paramref name="restored"/> objects (collection,
    /// namespace, object) are the new state, without any watch seeing them arrive. Open watches are
    /// cut unless <paramref name="keepWatches"/> (then they go on with the new, lower resourceVersions).
    /// </summary>
    public void ForgetEverything(long resourceVersion, bool keepWatches = false, params (string Collection, string? Namespace, JsonObject Object)[] restored)
    {
        lock (_gate)
        {
            _collections.Clear();
            _history.Clear();
            _rv = resourceVersion;
            _compactedRv = 0;
            _restoring = true;
            try
            {
                foreach (var (collection, ns, obj) in restored)
                {
                    Put(collection, ns, obj);
                }
            }
            finally
            {
                _restoring = false;
            }
        }

        if (!keepWatches)
        {
            DropWatches();
        }
    }

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every watcher that allows them.</summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            foreach (var w in _watchers.Where(w => w.Bookmarks))
            {
                var obj = new JsonObject { ["kind"] = w.Kind, ["apiVersion"] = w.ApiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = _rv.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
                w.Send(Line("BOOKMARK", obj));
            }
        }
    }

    /// <summary>Sends an ERROR event with the given code to every watcher.</summary>
    public void SendWatchError(int code, string reason)
    {
        lock (_gate)
        {
            foreach (var w in _watchers)
            {
                w.Send(Line("ERROR", StatusBody(code, reason, "injected")));
            }
        }
    }

    /// <summary>Current objects of a collection (e.g. "v1/services"), by namespace/name.</summary>
    public IDictionary<string, JsonObject> Snapshot(string collection)
    {
        lock (_gate)
        {
            return _collections.TryGetValue(collection, out var items)
                ? items.ToDictionary(kv => kv.Key, kv => (JsonObject)kv.Value.DeepClone(), StringComparer.Ordinal)
                : new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        }
    }

    /// <summary>Writes an object directly (as another client would), returning its new resourceVersion.</summary>
    public long Put(string collection, string? ns, JsonObject obj)
    {
        lock (_gate)
        {
            var meta = (JsonObject)obj["metadata"]!;
            if (ns is not null)
            {
                meta["namespace"] = ns;
            }

            var key = Key(ns, meta["name"]!.GetValue<string>());
            var items = Collection(collection);
            var type = items.ContainsKey(key) ? "MODIFIED" : "ADDED";
            meta["uid"] ??= Guid.NewGuid().ToString();
            meta["creationTimestamp"] ??= "2026-01-01T00:00:00Z";
            return Commit(collection, key, ns, obj, type);
        }
    }

    public long Remove(string collection, string? ns, string name)
    {
        lock (_gate)
        {
            var key = Key(ns, name);
            var items = Collection(collection);
            if (!items.Remove(key, out var old))
            {
                return _rv;
            }

            _rv++;
            old["metadata"]!["resourceVersion"] = Rv(_rv);
            Record(collection, ns, "DELETED", old);
            return _rv;
        }
    }

    private static string Rv(long rv) => rv.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    private SortedDictionary<string, JsonObject> Collection(string collection)
    {
        if (!_collections.TryGetValue(collection, out var items))
        {
            _collections[collection] = items = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        }

        return items;
    }

    private long Commit(string collection, string key, string? ns, JsonObject obj, string type)
    {
        _rv++;
        obj["metadata"]!["resourceVersion"] = Rv(_rv);
        Collection(collection)[key] = obj;
        Record(collection, ns, type, obj);
        return _rv;
    }

    private void Record(string collection, string? ns, string type, JsonObject obj)
    {
        var entry = new HistoryEntry(_rv, collection, ns, type, obj.ToJsonString());
        _history.Add(entry);
        foreach (var w in _watchers.Where(w => !_restoring && w.Matches(entry)))
        {
            w.Send(Line(type, JsonNode.Parse(entry.Json)!));
        }
    }

    private static string Line(string type, JsonNode obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    private static JsonObject StatusBody(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    /// <summary>The real server's answer to a resourceVersion it has not reached, or null when it has.</summary>
    private JsonObject? TooLargeStatus(string rvText)
    {
        if (!AnswerTooLargeResourceVersion || !long.TryParse(rvText, System.Globalization.CultureInfo.InvariantCulture, out var wanted))
        {
            return null;
        }

        var current = ResourceVersion;
        if (wanted <= current)
        {
            return null;
        }

        var status = StatusBody(504, "Timeout", $"Timeout: Too large resource version: {wanted}, current: {current}");
        status["details"] = new JsonObject
        {
            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }),
            ["retryAfterSeconds"] = 1,
        };
        return status;
    }

    private static async Task WriteStatus(HttpContext ctx, int code, string reason, string message, JsonObject? details = null)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        var body = StatusBody(code, reason, message);
        if (details is not null)
        {
            body["details"] = details;
        }

        await ctx.Response.WriteAsync(body.ToJsonString());
    }

    private static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        _ => "Unknown",
    };

    private async Task HandleCountedAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _inFlight);
        var counted = true;
        ctx.Response.OnStarting(() =>
        {
            if (counted && ctx.Request.Query["watch"].Count > 0)
            {
                counted = false;
                Interlocked.Decrement(ref _inFlight);
            }

            return Task.CompletedTask;
        });
        try
        {
            await HandleAsync(ctx);
        }
        finally
        {
            if (counted)
            {
                counted = false;
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private async Task HandleAsync(HttpContext ctx)
    {
        var req = ctx.Request;
        (int Code, string? RetryAfter)? failure = null;
        lock (_gate)
        {
            _requests.Add($"{req.Method} {req.Path}{req.QueryString} {req.ContentType}");
            LastAuthorization = req.Headers.Authorization.ToString();
            LastClientCertificateSubject = ctx.Connection.ClientCertificate?.Subject;
            if (_failures.Count > 0)
            {
                failure = _failures.Dequeue();
            }
        }

        if (ResponseDelay > TimeSpan.Zero && req.Query["watch"].Count == 0)
        {
            await Task.Delay(ResponseDelay);
        }

        if (AcceptedTokens is { } accepted)
        {
            var auth = req.Headers.Authorization.ToString();
            if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !accepted.Contains(auth[7..]))
            {
                await WriteStatus(ctx, 401, "Unauthorized", "Unauthorized");
                return;
            }
        }

        if (failure is { } f)
        {
            if (f.RetryAfter is not null)
            {
                ctx.Response.Headers.RetryAfter = f.RetryAfter;
            }

            var details = f.Code == 422 ? new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueInvalid", ["field"] = "spec.ports[0].port", ["message"] = "must be between 1 and 65535" }) } : null;
            await WriteStatus(ctx, f.Code, ReasonFor(f.Code), $"injected {f.Code}", details);
            return;
        }

        // /api/v1/... or /apis/{group}/{version}/...
        var parts = req.Path.Value!.Trim('/').Split('/').Select(Uri.UnescapeDataString).ToList();
        string groupVersion;
        int i;
        if (parts.Count >= 3 && parts[0] == "api")
        {
            groupVersion = parts[1];
            i = 2;
        }
        else if (parts.Count >= 4 && parts[0] == "apis")
        {
            groupVersion = $"{parts[1]}/{parts[2]}";
            i = 3;
        }
        else
        {
            await WriteStatus(ctx, 404, "NotFound", "no such path");
            return;
        }

        string? ns = null;
        if (parts.Count > i + 1 && parts[i] == "namespaces")
        {
            ns = parts[i + 1];
            i += 2;
        }

        var plural = parts[i];
        var name = parts.Count > i + 1 ? parts[i + 1] : null;
        var sub = parts.Count > i + 2 ? parts[i + 2] : null;
        var collection = $"{groupVersion}/{plural}";
        var apiVersion = groupVersion;

        if (name is null && req.Method == "GET" && req.Query["watch"] is var watch && (watch == "1" || watch == "true"))
        {
            await WatchAsync(ctx, collection, ns, apiVersion);
            return;
        }

        if (name is null && req.Method == "GET")
        {
            await ListAsync(ctx, collection, ns, apiVersion);
            return;
        }

        JsonObject? body = null;
        if (req.ContentLength is > 0 || req.Method is "POST" or "PUT" or "PATCH")
        {
            using var reader = new StreamReader(req.Body, Encoding.UTF8);
            var text = await reader.ReadToEndAsync();
            body = text.Length > 0 ? JsonNode.Parse(text) as JsonObject : null;
        }

        string? error = null;
        int code = 200;
        JsonObject? result = null;
        lock (_gate)
        {
            var items = Collection(collection);
            switch (req.Method)
            {
                case "POST":
                    {
                        if (plural == "tokenreviews")
                        {
                            var token = body?["spec"]?["token"]?.GetValue<string>();
                            body!["status"] = new JsonObject { ["authenticated"] = token == "good", ["user"] = new JsonObject { ["username"] = "system:serviceaccount:edgelb:speaker" } };
                            result = body;
                            code = 201;
                            break;
                        }

                        var meta = (JsonObject)(body!["metadata"] ??= new JsonObject());
                        meta["namespace"] = ns;
                        var objName = meta["name"]?.GetValue<string>() ?? meta["generateName"]?.GetValue<string>() + Guid.NewGuid().ToString("N")[..5];
                        meta["name"] = objName;
                        var key = Key(ns, objName);
                        if (items.ContainsKey(key))
                        {
                            (code, error) = (409, "AlreadyExists");
                            break;
                        }

                        meta["uid"] = Guid.NewGuid().ToString();
                        meta["creationTimestamp"] = "2026-01-01T00:00:00Z";
                        Commit(collection, key, ns, body, "ADDED");
                        result = body;
                        code = 201;
                        break;
                    }

                case "GET":
                    {
                        if (!items.TryGetValue(Key(ns, name!), out var obj))
                        {
                            (code, error) = (404, "NotFound");
                            break;
                        }

                        result = obj;
                        break;
                    }

                case "DELETE":
                    {
                        var key = Key(ns, name!);
                        if (!items.TryGetValue(key, out var obj))
                        {
                            (code, error) = (404, "NotFound");
                            break;
                        }

                        var pre = body?["preconditions"]?["resourceVersion"]?.GetValue<string>();
                        if (pre is not null && pre != obj["metadata"]!["resourceVersion"]!.GetValue<string>())
                        {
                            (code, error) = (409, "Conflict");
                            break;
                        }

                        items.Remove(key);
                        _rv++;
                        obj["metadata"]!["resourceVersion"] = Rv(_rv);
                        Record(collection, ns, "DELETED", obj);
                        result = StatusBody(200, "", "deleted");
                        result["status"] = "Success";
                        break;
                    }

                case "PUT":
                case "PATCH":
                    {
                        var key = Key(ns, name!);
                        if (!items.TryGetValue(key, out var current))
                        {
                            (code, error) = (404, "NotFound");
                            break;
                        }

                        var wantRv = body?["metadata"]?["resourceVersion"]?.GetValue<string>();
                        if (!string.IsNullOrEmpty(wantRv) && wantRv != current["metadata"]!["resourceVersion"]!.GetValue<string>())
                        {
                            (code, error) = (409, "Conflict");
                            break;
                        }

                        JsonObject next;
                        if (req.Method == "PUT")
                        {
                            next = (JsonObject)current.DeepClone();
                            if (sub == "status")
                            {
                                next["status"] = body!["status"]?.DeepClone();
                            }
                            else
                            {
                                // The main endpoint ignores status.
                                var status = current["status"]?.DeepClone();
                                next = (JsonObject)body!.DeepClone();
                                next["status"] = status;
                                next["metadata"]!["uid"] = current["metadata"]!["uid"]!.DeepClone();
                                next["metadata"]!["creationTimestamp"] = current["metadata"]!["creationTimestamp"]!.DeepClone();
                            }
                        }
                        else
                        {
                            var patch = body!;
                            if (sub == "status")
                            {
                                patch = new JsonObject { ["status"] = body!["status"]?.DeepClone() };
                            }
                            else
                            {
                                patch.Remove("status");
                            }

                            next = (JsonObject)MergePatch(current.DeepClone(), patch)!;
                        }

                        next["metadata"]!["namespace"] = ns;
                        next["metadata"]!["name"] = name;
                        Commit(collection, key, ns, next, "MODIFIED");
                        result = next;
                        break;
                    }
            }

            result = (JsonObject?)result?.DeepClone();
        }

        if (error is not null)
        {
            await WriteStatus(ctx, code, error, $"{error}: {collection} {name}");
            return;
        }

        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(result!.ToJsonString());
    }

    /// <summary>RFC 7386.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObj)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObj.ToList())
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = MergePatch(result[key]?.DeepClone(), value);
                result[key] = merged;
            }
        }

        return result;
    }

    private async Task ListAsync(HttpContext ctx, string collection, string? ns, string apiVersion)
    {
        var limit = int.TryParse(ctx.Request.Query["limit"], out var l) ? l : 0;
        var cont = ctx.Request.Query["continue"].ToString();
        if (cont.Length == 0 && TooLargeStatus(ctx.Request.Query["resourceVersion"].ToString()) is { } tooLarge)
        {
            ctx.Response.StatusCode = 504;
            ctx.Response.Headers.RetryAfter = "1";
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(tooLarge.ToJsonString());
            return;
        }

        JsonArray items;
        string rv;
        string? next = null;
        var expired = false;
        lock (_gate)
        {
            var all = Collection(collection).Where(kv => ns is null || kv.Key.StartsWith(ns + "/", StringComparison.Ordinal)).ToList();
            var start = 0;
            rv = Rv(_rv);
            if (cont.Length > 0)
            {
                var p = cont.Split(':');
                expired = ExpireContinueTokens || long.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture) < _compactedRv;
                rv = p[0];
                start = all.FindIndex(kv => string.CompareOrdinal(kv.Key, p[1]) > 0);
                if (start < 0)
                {
                    start = all.Count;
                }
            }

            var page = limit > 0 ? all.Skip(start).Take(limit).ToList() : all.Skip(start).ToList();
            if (limit > 0 && start + page.Count < all.Count)
            {
                next = $"{rv}:{page[^1].Key}";
            }

            items = new JsonArray([.. page.Select(kv => kv.Value.DeepClone())]);
        }

        if (expired)
        {
            await WriteStatus(ctx, 410, "Expired", "continue token expired");
            return;
        }

        var list = new JsonObject
        {
            ["apiVersion"] = apiVersion,
            ["kind"] = "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv, ["continue"] = next },
            ["items"] = items,
        };
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(list.ToJsonString());
    }

    private async Task WatchAsync(HttpContext ctx, string collection, string? ns, string apiVersion)
    {
        if (RejectWatchesWith is { } reject)
        {
            await WriteStatus(ctx, reject, ReasonFor(reject), "watches rejected");
            return;
        }

        var rvText = ctx.Request.Query["resourceVersion"].ToString();
        if (TooLargeStatus(rvText) is { } tooLarge)
        {
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(Line("ERROR", tooLarge) + "\n");
            return;
        }

        var bookmarks = ctx.Request.Query["allowWatchBookmarks"] == "true";
        var watcher = new Watcher(collection, ns, apiVersion, bookmarks, ctx);
        bool gone = false;
        lock (_gate)
        {
            if (rvText is "" or "0")
            {
                foreach (var (key, obj) in Collection(collection))
                {
                    if (ns is null || key.StartsWith(ns + "/", StringComparison.Ordinal))
                    {
                        watcher.Send(Line("ADDED", obj));
                    }
                }
            }
            else
            {
                var from = long.Parse(rvText, System.Globalization.CultureInfo.InvariantCulture);
                if (from < _compactedRv)
                {
                    gone = true;
                }
                else
                {
                    foreach (var entry in _history.Where(h => h.Rv > from && watcher.Matches(h)))
                    {
                        watcher.Send(Line(entry.Type, JsonNode.Parse(entry.Json)!));
                    }
                }
            }

            if (!gone)
            {
                _watchers.Add(watcher);
            }
        }

        if (gone && !GoneAsErrorEvent)
        {
            await WriteStatus(ctx, 410, "Expired", $"too old resource version: {rvText} ({_compactedRv})");
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.FlushAsync();
        if (gone)
        {
            await ctx.Response.WriteAsync(Line("ERROR", StatusBody(410, "Expired", $"too old resource version: {rvText}")) + "\n");
            return;
        }

        var timeout = int.TryParse(ctx.Request.Query["timeoutSeconds"], out var t) ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, watcher.Stop);
        cts.CancelAfter(timeout);
        try
        {
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(cts.Token))
            {
                await ctx.Response.WriteAsync(line + "\n", cts.Token);
                await ctx.Response.Body.FlushAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }

        if (watcher.Aborted)
        {
            ctx.Abort();
        }
    }

    private sealed record HistoryEntry(long Rv, string Collection, string? Namespace, string Type, string Json);

    private sealed class Watcher(string collection, string? ns, string apiVersion, bool bookmarks, HttpContext ctx)
    {
        private readonly CancellationTokenSource _stop = new();

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public bool Bookmarks => bookmarks;

        public string ApiVersion => apiVersion;

        public string Kind => collection;

        public CancellationToken Stop => _stop.Token;

        public bool Aborted { get; private set; }

        public bool Matches(HistoryEntry e) => e.Collection == collection && (ns is null || e.Namespace == ns);

        public void Send(string line) => Lines.Writer.TryWrite(line);

        public void Abort()
        {
            Aborted = true;
            _stop.Cancel();
            _ = ctx;
        }
    }
}
