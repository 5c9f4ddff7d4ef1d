using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// Routes every HTTP request: discovery, OpenAPI, and the REST verbs on resources and their status
/// subresource. Failures become Status bodies with the real server's reasons and codes.
/// </summary>
internal sealed class ApiRequestHandler
{
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly ResourceOperations _operations;
    private readonly DiscoveryDocuments _discovery;
    private readonly OpenApiDocuments _openApi;
    private readonly TableConverter _tables;
    private readonly TokenReviewer _tokens;
    private readonly AccessReviewer _access;
    private readonly WatchStreamer _watches;
    private readonly ApiFaults _faults;
    private readonly RequestCounter _requests = new();
    private readonly InMemoryApiServerOptions _options;
    private readonly ILogger _logger;

    public ApiRequestHandler(
        ObjectStore store,
        ResourceRegistry registry,
        ResourceOperations operations,
        TokenReviewer tokens,
        AccessReviewer access,
        ApiFaults faults,
        InMemoryApiServerOptions options,
        ILogger logger)
    {
        _store = store;
        _registry = registry;
        _operations = operations;
        _tokens = tokens;
        _access = access;
        _faults = faults;
        _options = options;
        _logger = logger;
        _discovery = new DiscoveryDocuments(registry, options.GitVersion);
        _openApi = new OpenApiDocuments(registry);
        _tables = new TableConverter(options.TimeProvider);
        _watches = new WatchStreamer(store, _tables, options.TimeProvider, options.BookmarkInterval, options.TooLargeResourceVersionWait, logger);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        try
        {
            var delay = _faults.ResponseDelay;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _options.TimeProvider, context.RequestAborted);
            }

            if (_faults.TakeFailure(request.Method, path) is { } fault)
            {
                ApiServerLog.FaultInjected(_logger, request.Method, path, fault.Code);
                throw fault;
            }

            if (_options.RequireAuthentication && !IsPublic(path) && !Authenticated(request))
            {
                throw new ApiException(401, "Unauthorized", "Unauthorized");
            }

            await DispatchAsync(context, path);
        }
        catch (ApiException ex)
        {
            if (!context.Response.HasStarted)
            {
                if (ex.RetryAfterSeconds is { } seconds)
                {
                    context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                }

                await HttpJson.WriteAsync(context.Response, ex.Code, StatusBody.Failure(ex));
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ApiServerLog.Unexpected(_logger, ex, request.Method, path);
            if (!context.Response.HasStarted)
            {
                await HttpJson.WriteAsync(context.Response, 500, StatusBody.Failure(new ApiException(500, "InternalError", $"Internal error occurred: {ex.Message}")));
            }
        }

        if (context.Items[typeof(ResourcePath)] is ResourcePath resource)
        {
            _requests.Count(request.Method, request.Query["watch"].ToString() is "true" or "1", resource, context.Response.StatusCode);
        }

        ApiServerLog.Request(_logger, request.Method, path, context.Response.StatusCode);
    }

    private static bool IsPublic(string path) =>
        path is "/version" or "/healthz" or "/livez" or "/readyz";

    private bool Authenticated(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        return header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase) && _tokens.IsValid(header[Bearer.Length..].Trim());
    }

    private async Task DispatchAsync(HttpContext context, string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = context.Request.Method;
        switch (segments)
        {
            case ["version"]:
                await HttpJson.WriteAsync(context.Response, 200, _discovery.Version());
                return;
            case ["healthz" or "livez" or "readyz", ..]:
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted);
                return;
            case ["metrics"]:
                context.Response.ContentType = "text/plain; version=0.0.4";
                await context.Response.WriteAsync(_requests.Render(), context.RequestAborted);
                return;
            case ["openapi", ..]:
                await HttpJson.WriteAsync(context.Response, 200, _openApi.Get(segments, context.Request.Query["hash"]) ?? throw ApiException.PathNotFound());
                return;
            case ["api" or "apis"] when DiscoveryDocuments.WantsAggregated(context.Request.Headers.Accept.ToString()):
                await HttpJson.WriteAsync(context.Response, 200, _discovery.Aggregated(core: segments[0] == "api"), DiscoveryDocuments.AggregatedContentType);
                return;
            case ["api"]:
                await HttpJson.WriteAsync(context.Response, 200, DiscoveryDocuments.CoreVersions($"{context.Request.Host}"));
                return;
            case ["apis"]:
                await HttpJson.WriteAsync(context.Response, 200, _discovery.GroupList());
                return;
            case ["apis", var group]:
                await HttpJson.WriteAsync(context.Response, 200, _discovery.Group(group) ?? throw ApiException.PathNotFound());
                return;
            case ["api", var version]:
                await HttpJson.WriteAsync(context.Response, 200, _discovery.ResourceList("", version) ?? throw ApiException.PathNotFound());
                return;
            case ["apis", var group, var version]:
                await HttpJson.WriteAsync(context.Response, 200, _discovery.ResourceList(group, version) ?? throw ApiException.PathNotFound());
                return;
            case ["api", var version, .. var rest]:
                await ResourceAsync(context, method, ResourcePath.Resolve(_registry, "", version, rest));
                return;
            case ["apis", var group, var version, .. var rest]:
                await ResourceAsync(context, method, ResourcePath.Resolve(_registry, group, version, rest));
                return;
            default:
                throw ApiException.PathNotFound();
        }
    }

    private async Task ResourceAsync(HttpContext context, string method, ResourcePath? path)
    {
        if (path is null || (path.Subresource is not null && (path.Subresource != "status" || !path.Type.HasStatus)))
        {
            throw ApiException.PathNotFound();
        }

        context.Items[typeof(ResourcePath)] = path;
        var query = context.Request.Query;
        var type = path.Type;
        var write = new WriteOptions(
            query["dryRun"].ToString() == "All",
            NullIfEmpty(query["fieldManager"]),
            query["force"].ToString() is "true" or "1");
        if (type.CreateOnly)
        {
            if (method != "POST" || path.Name is not null)
            {
                throw ApiException.MethodNotAllowed(method);
            }

            var review = await ReadObjectAsync(context);
            await HttpJson.WriteAsync(context.Response, 201, type.Plural == "subjectaccessreviews" ? _access.Review(review) : _tokens.Review(review));
            return;
        }

        var statusOnly = path.Subresource == "status";
        if (path.Name is null)
        {
            switch (method)
            {
                case "GET" when query["watch"].ToString() is "true" or "1":
                    await _watches.StreamAsync(context, WatchRequestFor(context, path));
                    return;
                case "GET":
                    await ListAsync(context, path);
                    return;
                case "POST":
                    var created = _operations.Create(type, path.Namespace, await ReadObjectAsync(context), write);
                    await WriteObjectAsync(context, 201, type, created);
                    return;
                case "DELETE":
                    await DeleteCollectionAsync(context, path, write);
                    return;
                default:
                    throw ApiException.MethodNotAllowed(method);
            }
        }

        switch (method)
        {
            case "GET":
                var found = _store.Get(type, path.Namespace, path.Name) ?? throw ApiException.NotFound(type, path.Name);
                await WriteObjectAsync(context, 200, type, found);
                return;
            case "PUT":
                var updated = _operations.Update(type, path.Namespace, path.Name, await ReadObjectAsync(context), statusOnly, write);
                await WriteObjectAsync(context, 200, type, updated);
                return;
            case "PATCH":
                var existed = _store.Get(type, path.Namespace, path.Name) is not null;
                var body = await ReadBodyAsync(context);
                var patched = _operations.Patch(type, path.Namespace, path.Name, context.Request.ContentType ?? "", body, statusOnly, write);
                await WriteObjectAsync(context, existed ? 200 : 201, type, patched);
                return;
            case "DELETE" when !statusOnly:
                var text = await ReadBodyAsync(context);
                JsonObject? options = null;
                if (!string.IsNullOrWhiteSpace(text))
                {
                    options = ParseObject(text);
                }

                var deleted = _operations.Delete(type, path.Namespace, path.Name, options, write);
                await WriteObjectAsync(context, 200, type, deleted);
                return;
            default:
                throw ApiException.MethodNotAllowed(method);
        }
    }

    private async Task ListAsync(HttpContext context, ResourcePath path)
    {
        var query = context.Request.Query;
        var filter = FilterFor(context, path.Type);
        var limit = ParseLong(query["limit"], "limit") ?? 0;
        var continueText = NullIfEmpty(query["continue"]);
        List<JsonObject> items;
        long rv;
        string? startAfter = null;
        if (continueText is null && ParseLong(query["resourceVersion"], "resourceVersion") is { } atLeast and > 0)
        {
            // "0" means any version; any other asks for one at least this new.
            await EnsureReachedAsync(atLeast, context.RequestAborted);
        }

        if (continueText is not null)
        {
            var token = ContinueToken.Decode(continueText);
            items = _store.SnapshotAt(path.Type, path.Namespace, token.ResourceVersion);
            rv = token.ResourceVersion;
            startAfter = token.StartAfter;
        }
        else if (NullIfEmpty(query["resourceVersionMatch"]) == "Exact" && ParseLong(query["resourceVersion"], "resourceVersion") is { } exact)
        {
            items = _store.SnapshotAt(path.Type, path.Namespace, exact);
            rv = exact;
        }
        else
        {
            (items, rv) = _store.List(path.Type, path.Namespace);
        }

        var matching = items
            .Where(o => startAfter is null || string.CompareOrdinal(KeyOf(path.Type, o), startAfter) > 0)
            .Where(filter.Matches)
            .ToList();
        var meta = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (limit > 0 && matching.Count > limit)
        {
            var remaining = matching.Count - (int)limit;
            matching = matching.Take((int)limit).ToList();
            meta["continue"] = new ContinueToken(rv, KeyOf(path.Type, matching[^1])).Encode();
            meta["remainingItemCount"] = remaining;
        }

        if (TableConverter.Wants(context.Request.Headers.Accept.ToString()))
        {
            var table = _tables.Convert(path.Type, matching, IncludeObject(context), withColumns: true, meta);
            await HttpJson.WriteAsync(context.Response, 200, table, TableContentType);
            return;
        }

        await HttpJson.WriteListAsync(context.Response, path.Type.ListKind, path.Type.ApiVersion, meta, matching);
    }

    private async Task EnsureReachedAsync(long resourceVersion, CancellationToken cancellationToken)
    {
        if (await _store.WaitForResourceVersionAsync(resourceVersion, _options.TooLargeResourceVersionWait, _options.TimeProvider, cancellationToken) is { } current)
        {
            throw ApiException.TooLargeResourceVersion(resourceVersion, current);
        }
    }

    private async Task DeleteCollectionAsync(HttpContext context, ResourcePath path, WriteOptions write)
    {
        var filter = FilterFor(context, path.Type);
        var (items, _) = _store.List(path.Type, path.Namespace);
        var deleted = new JsonArray();
        foreach (var item in items.Where(filter.Matches))
        {
            try
            {
                var name = JsonTree.GetString(item, "metadata", "name")!;
                var ns = path.Type.Namespaced ? JsonTree.GetString(item, "metadata", "namespace") : null;
                deleted.Add(_operations.Delete(path.Type, ns, name, null, write).DeepClone());
            }
            catch (ApiException ex) when (ex.Code == 404)
            {
                // Deleted concurrently; a collection delete does not care.
            }
        }

        var list = new JsonObject
        {
            ["kind"] = path.Type.ListKind,
            ["apiVersion"] = path.Type.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = deleted,
        };
        await HttpJson.WriteAsync(context.Response, 200, list);
    }

    private WatchRequest WatchRequestFor(HttpContext context, ResourcePath path)
    {
        var query = context.Request.Query;
        var rvText = query["resourceVersion"].ToString();
        long? from = rvText is "" or "0" ? null : ParseLong(rvText, "resourceVersion");
        var timeoutSeconds = ParseLong(query["timeoutSeconds"], "timeoutSeconds");
        var timeout = timeoutSeconds is > 0 ? TimeSpan.FromSeconds(timeoutSeconds.Value) : _options.MaxWatchTimeout;
        return new WatchRequest(
            path.Type,
            path.Namespace,
            FilterFor(context, path.Type),
            from,
            query["sendInitialEvents"].ToString() == "true",
            query["allowWatchBookmarks"].ToString() is "true" or "1",
            timeout,
            TableConverter.Wants(context.Request.Headers.Accept.ToString()),
            IncludeObject(context));
    }

    private const string TableContentType = "application/json;as=Table;v=v1;g=meta.k8s.io";

    private async Task WriteObjectAsync(HttpContext context, int code, ResourceType type, JsonObject obj)
    {
        if (TableConverter.Wants(context.Request.Headers.Accept.ToString()))
        {
            var table = _tables.Convert(type, [obj], IncludeObject(context), withColumns: true,
                new JsonObject { ["resourceVersion"] = JsonTree.GetString(obj, "metadata", "resourceVersion") });
            await HttpJson.WriteAsync(context.Response, code, table, TableContentType);
            return;
        }

        await HttpJson.WriteAsync(context.Response, code, StoredJson.Of(obj));
    }

    private static ObjectFilter FilterFor(HttpContext context, ResourceType type) =>
        new(LabelSelector.Parse(context.Request.Query["labelSelector"]), FieldSelector.Parse(context.Request.Query["fieldSelector"], type));

    private static string IncludeObject(HttpContext context) =>
        NullIfEmpty(context.Request.Query["includeObject"]) ?? "PartialObjectMetadata";

    private static string KeyOf(ResourceType type, JsonObject obj) =>
        ObjectStore.Key(type.Namespaced ? JsonTree.GetString(obj, "metadata", "namespace") : null, JsonTree.GetString(obj, "metadata", "name") ?? "");

    /// <summary>
    /// The body as text, decoded once from the bytes Kestrel buffered: a StreamReader's buffers and
    /// builder per request were a large share of what the server allocated under load.
    /// </summary>
    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            if (read.IsCompleted || read.IsCanceled)
            {
                var body = read.Buffer;
                if (body.FirstSpan.StartsWith(Utf8ByteOrderMark))
                {
                    body = body.Slice(Utf8ByteOrderMark.Length);
                }

                var text = Encoding.UTF8.GetString(body);
                reader.AdvanceTo(read.Buffer.End);
                return text;
            }

            // Not all there yet: keep what arrived and wait for more.
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "application/json";
        if (contentType.Contains("protobuf", StringComparison.OrdinalIgnoreCase))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            return ProtobufBodyDecoder.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        var text = await ReadBodyAsync(context);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw ApiException.BadRequest("the request body is empty");
        }

        if (contentType.Contains("yaml", StringComparison.OrdinalIgnoreCase))
        {
            return YamlJson.Parse(text) as JsonObject ?? throw ApiException.BadRequest("the request body is not an object");
        }

        return ParseObject(text);
    }

    private static JsonObject ParseObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw ApiException.BadRequest("the request body is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"couldn't get version/kind; json parse error: {ex.Message}");
        }
    }

    private static long? ParseLong(string? text, string name)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiException.BadRequest($"invalid {name} \"{text}\": must be a non-negative integer");
    }

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;
}
