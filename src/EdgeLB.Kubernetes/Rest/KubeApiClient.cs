using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace EdgeLB.Kubernetes.Rest;

/// <summary>
/// Typed REST calls against one API server. 429 and 5xx are retried (exponential backoff with
/// jitter, Retry-After honoured, bounded attempts); a 401 re-reads rotating credentials once;
/// every other failure becomes a typed <see cref="KubernetesApiException"/>.
/// </summary>
public sealed class KubeApiClient : IKubeApi, IDisposable
{
    private static readonly ResiliencePropertyKey<bool> IdempotentKey = new("edgelb.idempotent");
    private static readonly MediaTypeHeaderValue JsonMediaType = new("application/json");

    private readonly HttpClient _http;
    private readonly ICredentialProvider _credentials;
    private readonly KubeApiOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    public KubeApiClient(KubernetesClientConfiguration configuration, KubeApiOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
        : this(configuration, (configuration ?? throw new ArgumentNullException(nameof(configuration))).CreateHandler(), options, logger, time)
    {
    }

    /// <summary>With an explicit transport, e.g. a fake in tests.</summary>
    public KubeApiClient(KubernetesClientConfiguration configuration, HttpMessageHandler handler, KubeApiOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
        _credentials = configuration.Credentials;
        _options = options ?? new KubeApiOptions();
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(handler, disposeHandler: true)
        {
            BaseAddress = configuration.Server,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(_options.UserAgent);
        _retry = BuildRetry();
    }

    public KubernetesClientConfiguration Configuration { get; }

    public TimeProvider TimeProvider => _time;

    public void Dispose() => _http.Dispose();

    public Task<T> GetAsync<T>(ResourceDescriptor<T> resource, string? ns, string name, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        var path = resource.PathFor(ns, name);
        return SendForObjectAsync(HttpMethod.Get, path, null, resource.TypeInfo, $"get {resource} {Describe(ns, name)}", idempotent: true, cancellationToken);
    }

    /// <summary>Like <see cref="GetAsync{T}"/>, but null when the object does not exist.</summary>
    public async Task<T?> TryGetAsync<T>(ResourceDescriptor<T> resource, string? ns, string name, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        try
        {
            return await GetAsync(resource, ns, name, cancellationToken);
        }
        catch (KubernetesNotFoundException)
        {
            return null;
        }
    }

    /// <summary>One page of a list. <paramref name="ns"/> null lists across all namespaces.</summary>
    public Task<KubeList<T>> ListAsync<T>(ResourceDescriptor<T> resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        options ??= new ListOptions();
        var query = new QueryBuilder()
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("limit", options.Limit is > 0 ? options.Limit.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : null)
            .Add("continue", options.Continue)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("resourceVersionMatch", string.IsNullOrEmpty(options.ResourceVersion) ? null : options.ResourceVersionMatch);
        var path = resource.PathFor(ns) + query;
        return SendForObjectAsync(HttpMethod.Get, path, null, resource.ListTypeInfo, $"list {resource}{(string.IsNullOrEmpty(ns) ? "" : " in " + ns)}", idempotent: true, cancellationToken);
    }

    /// <summary>
    /// Every page of a list, as one list carrying the first page's resourceVersion. When a continue
    /// token expires midway (410), falls back to a single unpaginated list, as client-go's pager does.
    /// </summary>
    public async Task<KubeList<T>> ListAllAsync<T>(ResourceDescriptor<T> resource, string? ns, ListOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        options ??= new ListOptions();
        var first = await ListAsync(resource, ns, options with { Continue = null }, cancellationToken);
        if (string.IsNullOrEmpty(first.Metadata.Continue))
        {
            return first;
        }

        var items = new List<T>(first.Items);
        var next = first.Metadata.Continue;
        try
        {
            while (!string.IsNullOrEmpty(next))
            {
                // The continue token pins the resourceVersion; sending one as well is an error.
                var page = await ListAsync(resource, ns, options with { Continue = next, ResourceVersion = null, ResourceVersionMatch = null }, cancellationToken);
                items.AddRange(page.Items);
                next = page.Metadata.Continue;
            }
        }
        catch (KubernetesGoneException)
        {
            KubernetesLog.ContinueExpired(_logger, resource.ToString());
            return await ListAsync(resource, ns, options with { Continue = null, Limit = null }, cancellationToken);
        }

        return first with { Items = items, Metadata = first.Metadata with { Continue = null, RemainingItemCount = null } };
    }

    public Task<T> CreateAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        var path = resource.PathFor(resource.Namespaced ? obj.Metadata.Namespace ?? Configuration.Namespace : null);
        var body = JsonSerializer.SerializeToUtf8Bytes(obj, resource.TypeInfo);
        return SendForObjectAsync(HttpMethod.Post, path, Content(body, "application/json"), resource.TypeInfo, $"create {resource} {Describe(obj.Metadata.Namespace, obj.Metadata.Name ?? obj.Metadata.GenerateName)}", idempotent: false, cancellationToken);
    }

    /// <summary>
    /// <see cref="CreateAsync{T}"/> for callers that do not need the created object back: the
    /// response is checked but its body is not parsed.
    /// </summary>
    public async Task CreateWithoutResultAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        var path = resource.PathFor(resource.Namespaced ? obj.Metadata.Namespace ?? Configuration.Namespace : null);
        var body = JsonSerializer.SerializeToUtf8Bytes(obj, resource.TypeInfo);
        await SendWithoutResultAsync(HttpMethod.Post, path, body, "application/json", $"create {resource} {Describe(obj.Metadata.Namespace, obj.Metadata.Name ?? obj.Metadata.GenerateName)}", idempotent: false, cancellationToken);
    }

    /// <summary>PUT the whole object. Carries its resourceVersion, so a stale copy gets 409 Conflict.</summary>
    public Task<T> UpdateAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => PutAsync(resource, obj, null, cancellationToken);

    /// <summary>PUT to the status subresource: the server takes only the status from the body.</summary>
    public Task<T> UpdateStatusAsync<T>(ResourceDescriptor<T> resource, T obj, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject => PutAsync(resource, obj, "status", cancellationToken);

    public async Task DeleteAsync<T>(ResourceDescriptor<T> resource, string? ns, string name, DeleteOptions? options = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        var path = resource.PathFor(ns, name);
        byte[]? content = null;
        if (options is not null)
        {
            var body = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "DeleteOptions" };
            if (options.PreconditionResourceVersion is not null || options.PreconditionUid is not null)
            {
                var pre = new JsonObject();
                if (options.PreconditionResourceVersion is not null)
                {
                    pre["resourceVersion"] = options.PreconditionResourceVersion;
                }

                if (options.PreconditionUid is not null)
                {
                    pre["uid"] = options.PreconditionUid;
                }

                body["preconditions"] = pre;
            }

            if (options.PropagationPolicy is not null)
            {
                body["propagationPolicy"] = options.PropagationPolicy;
            }

            if (options.GracePeriodSeconds is not null)
            {
                body["gracePeriodSeconds"] = options.GracePeriodSeconds;
            }

            content = JsonSerializer.SerializeToUtf8Bytes(body, KubernetesJsonContext.Default.JsonObject);
        }

        using var response = await SendAsync(() => Request(HttpMethod.Delete, path, content is null ? null : Content(content, "application/json")), idempotent: true, streaming: false, cancellationToken);
        await EnsureSuccessAsync(response, $"delete {resource} {Describe(ns, name)}", cancellationToken);
    }

    /// <summary>PATCH with the given body. <paramref name="subresource"/> "status" patches only the status.</summary>
    public Task<T> PatchAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        string name,
        PatchType type,
        JsonNode patch,
        string? subresource = null,
        string? fieldManager = null,
        bool? force = null,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var request = PreparePatch(resource, ns, name, type, patch, subresource, fieldManager, force);
        return SendForObjectAsync(HttpMethod.Patch, request.Path, Content(request.Body, request.MediaType), resource.TypeInfo, request.Operation, request.Idempotent, cancellationToken);
    }

    /// <summary>
    /// <see cref="PatchAsync{T}"/> for callers that do not need the patched object back: the
    /// response is checked but its body is not parsed.
    /// </summary>
    public async Task PatchWithoutResultAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        string name,
        PatchType type,
        JsonNode patch,
        string? subresource = null,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        var request = PreparePatch(resource, ns, name, type, patch, subresource, fieldManager: null, force: null);
        await SendWithoutResultAsync(HttpMethod.Patch, request.Path, request.Body, request.MediaType, request.Operation, request.Idempotent, cancellationToken);
    }

    private async Task SendWithoutResultAsync(HttpMethod method, string path, byte[] body, string mediaType, string operation, bool idempotent, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await SendAsync(() => Request(method, path, Content(body, mediaType)), idempotent, streaming: false, cancellationToken);
            await EnsureSuccessAsync(response, operation, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{operation}: {ex.Message}", ex);
        }
    }

    private static PatchRequest PreparePatch<T>(ResourceDescriptor<T> resource, string? ns, string name, PatchType type, JsonNode patch, string? subresource, string? fieldManager, bool? force)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(patch);
        if (type == PatchType.Apply && string.IsNullOrEmpty(fieldManager))
        {
            throw new ArgumentException("server-side apply needs a fieldManager", nameof(fieldManager));
        }

        var query = new QueryBuilder()
            .Add("fieldManager", fieldManager)
            .Add("force", force is null ? null : force.Value ? "true" : "false");
        var mediaType = type switch
        {
            PatchType.Merge => "application/merge-patch+json",
            PatchType.Json => "application/json-patch+json",
            PatchType.StrategicMerge => "application/strategic-merge-patch+json",
            _ => "application/apply-patch+yaml",
        };

        // A merge patch that names a resourceVersion is an optimistic-concurrency check: safe to retry.
        return new PatchRequest(
            resource.PathFor(ns, name, subresource) + query,
            JsonSerializer.SerializeToUtf8Bytes(patch, KubernetesJsonContext.Default.JsonNode),
            mediaType,
            Idempotent: type == PatchType.Apply || patch["metadata"]?["resourceVersion"] is not null,
            $"patch {resource} {Describe(ns, name)}{(subresource is null ? "" : "/" + subresource)}");
    }

    private sealed record PatchRequest(string Path, byte[] Body, string MediaType, bool Idempotent, string Operation);

    /// <summary>
    /// Server-side apply of <paramref name="configuration"/> (which must carry apiVersion, kind and
    /// metadata.name): the fields it names become owned by <paramref name="fieldManager"/>.
    /// </summary>
    public Task<T> ApplyAsync<T>(ResourceDescriptor<T> resource, JsonObject configuration, string fieldManager, bool force = true, string? subresource = null, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(configuration);
        configuration["apiVersion"] ??= resource.ApiVersion;
        configuration["kind"] ??= resource.Kind;
        var name = configuration["metadata"]?["name"]?.GetValue<string>() ?? throw new ArgumentException("metadata.name is required for apply", nameof(configuration));
        var ns = resource.Namespaced ? configuration["metadata"]?["namespace"]?.GetValue<string>() ?? Configuration.Namespace : null;
        return PatchAsync(resource, ns, name, PatchType.Apply, configuration, subresource, fieldManager, force, cancellationToken);
    }

    /// <summary>
    /// Merge-patches the status of one object, re-reading and re-applying on 409 Conflict.
    /// <paramref name="buildPatch"/> sees the current object and returns the status patch
    /// (e.g. <c>{"loadBalancer":{"ingress":[…]}}</c>) or null when nothing needs writing.
    /// </summary>
    public async Task<T> PatchStatusWithRetryAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        string name,
        Func<T, JsonNode?> buildPatch,
        int maxAttempts = 5,
        CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(buildPatch);
        return await ConflictRetry.RunAsync(
            async ct =>
            {
                var current = await GetAsync(resource, ns, name, ct);
                var status = buildPatch(current);
                if (status is null)
                {
                    return current;
                }

                var patch = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["resourceVersion"] = current.Metadata.ResourceVersion },
                    ["status"] = status,
                };
                return await PatchAsync(resource, ns, name, PatchType.Merge, patch, "status", cancellationToken: ct);
            },
            maxAttempts,
            _time,
            _logger,
            cancellationToken);
    }

    /// <summary>Asks the API server who holds <paramref name="token"/>.</summary>
    public Task<TokenReview> ReviewTokenAsync(string token, IReadOnlyList<string>? audiences = null, CancellationToken cancellationToken = default)
    {
        var review = new TokenReview { Spec = new TokenReviewSpec { Token = token, Audiences = audiences } };
        var body = JsonSerializer.SerializeToUtf8Bytes(review, KubernetesJsonContext.Default.TokenReview);
        return SendForObjectAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews", Content(body, "application/json"), KubernetesJsonContext.Default.TokenReview, "create tokenreview", idempotent: true, cancellationToken);
    }

    /// <summary>Asks the API server whether <paramref name="user"/> (as a TokenReview reported it) may make <paramref name="request"/>.</summary>
    public Task<SubjectAccessReview> ReviewAccessAsync(UserInfo user, ResourceAttributes request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        var review = new SubjectAccessReview
        {
            Spec = new SubjectAccessReviewSpec { ResourceAttributes = request, User = user.Username, Groups = user.Groups, Uid = user.Uid, Extra = user.Extra },
        };
        var body = JsonSerializer.SerializeToUtf8Bytes(review, KubernetesJsonContext.Default.SubjectAccessReview);
        return SendForObjectAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews", Content(body, "application/json"), KubernetesJsonContext.Default.SubjectAccessReview, "create subjectaccessreview", idempotent: true, cancellationToken);
    }

    /// <summary>
    /// Opens a watch and yields its events until the server ends the stream (its timeout), the
    /// connection drops (an exception), or <paramref name="cancellationToken"/> fires. An ERROR event
    /// is yielded, not thrown; a non-2xx answer to the request itself is thrown typed.
    /// </summary>
    public async IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(
        ResourceDescriptor<T> resource,
        string? ns,
        WatchOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(options);
        var query = new QueryBuilder()
            .Add("watch", "1")
            .Add("labelSelector", options.LabelSelector)
            .Add("fieldSelector", options.FieldSelector)
            .Add("resourceVersion", options.ResourceVersion)
            .Add("allowWatchBookmarks", options.AllowWatchBookmarks ? "true" : null)
            .Add("timeoutSeconds", options.TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var path = resource.PathFor(ns) + query;
        using var response = await SendOnceAsync(() => Request(HttpMethod.Get, path, null), streaming: true, cancellationToken);
        await EnsureSuccessAsync(response, $"watch {resource}", cancellationToken);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);

        // Lines are cut from the bytes as they arrive and parsed as UTF-8 where they lie: no string
        // per event, no decoding to UTF-16 and encoding back.
        using var lines = new WatchLineBuffer();
        while (true)
        {
            while (lines.TryTake(out var start, out var length))
            {
                var evt = ParseWatchLine(resource, lines.Bytes.AsSpan(start, length));
                if (evt is not null)
                {
                    yield return evt;
                }
            }

            if (!await lines.FillAsync(stream, cancellationToken))
            {
                yield break;
            }
        }
    }

    internal WatchEvent<T>? ParseWatchLine<T>(ResourceDescriptor<T> resource, string line)
        where T : class, IKubernetesObject =>
        ParseWatchLine(resource, Encoding.UTF8.GetBytes(line));

    /// <summary>
    /// Reads one event in a single pass: the object is deserialized straight from the line, without
    /// building a document first. The API server writes "type" before "object"; when a line has them
    /// the other way round, the type is looked up first and the line read again.
    /// </summary>
    private WatchEvent<T>? ParseWatchLine<T>(ResourceDescriptor<T> resource, ReadOnlySpan<byte> utf8)
        where T : class, IKubernetesObject
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new KubernetesApiException($"watch {resource}: event is not an object: {Truncate(Encoding.UTF8.GetString(utf8))}");
        }

        string? typeText = null;
        var typeSeen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                typeText = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                typeSeen = true;
                continue;
            }

            if (!reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                break;
            }

            if (!typeSeen)
            {
                typeText = TypeOf(utf8);
            }

            switch (typeText)
            {
                case "ADDED":
                    return new WatchEvent<T>(WatchEventType.Added, JsonSerializer.Deserialize(ref reader, resource.TypeInfo), null);
                case "MODIFIED":
                    return new WatchEvent<T>(WatchEventType.Modified, JsonSerializer.Deserialize(ref reader, resource.TypeInfo), null);
                case "DELETED":
                    return new WatchEvent<T>(WatchEventType.Deleted, JsonSerializer.Deserialize(ref reader, resource.TypeInfo), null);
                case "BOOKMARK":
                    return new WatchEvent<T>(WatchEventType.Bookmark, JsonSerializer.Deserialize(ref reader, resource.TypeInfo), null);
                case "ERROR":
                    return new WatchEvent<T>(WatchEventType.Error, null, JsonSerializer.Deserialize(ref reader, KubernetesJsonContext.Default.Status));
                default:
                    KubernetesLog.UnknownWatchEvent(_logger, resource.ToString(), typeText ?? "(none)");
                    return null;
            }
        }

        throw new KubernetesApiException($"watch {resource}: event without an object: {Truncate(Encoding.UTF8.GetString(utf8))}");
    }

    private static string? TypeOf(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isType = reader.ValueTextEquals("type"u8);
            reader.Read();
            if (isType)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            reader.Skip();
        }

        return null;
    }

    private Task<T> PutAsync<T>(ResourceDescriptor<T> resource, T obj, string? subresource, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(obj);
        var name = obj.Metadata.Name ?? throw new ArgumentException("metadata.name is required for update", nameof(obj));
        var ns = resource.Namespaced ? obj.Metadata.Namespace ?? Configuration.Namespace : null;
        var path = resource.PathFor(ns, name, subresource);
        var body = JsonSerializer.SerializeToUtf8Bytes(obj, resource.TypeInfo);

        // With a resourceVersion the server rejects a replay as a conflict instead of applying it twice.
        var idempotent = !string.IsNullOrEmpty(obj.Metadata.ResourceVersion);
        return SendForObjectAsync(HttpMethod.Put, path, Content(body, "application/json"), resource.TypeInfo, $"update {resource} {Describe(ns, name)}{(subresource is null ? "" : "/" + subresource)}", idempotent, cancellationToken);
    }

    private async Task<TResult> SendForObjectAsync<TResult>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<TResult> typeInfo, string operation, bool idempotent, CancellationToken cancellationToken)
    {
        byte[]? body = content is null ? null : await content.ReadAsByteArrayAsync(cancellationToken);
        var mediaType = content?.Headers.ContentType;
        content?.Dispose();
        try
        {
            using var response = await SendAsync(() => Request(method, path, body is null ? null : Content(body, mediaType!)), idempotent, streaming: false, cancellationToken);
            await EnsureSuccessAsync(response, operation, cancellationToken);
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonSerializer.DeserializeAsync(stream, typeInfo, cancellationToken)
                ?? throw new KubernetesApiException($"{operation}: empty response body");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{operation}: {ex.Message}", ex);
        }
        catch (JsonException ex)
        {
            throw new KubernetesApiException($"{operation}: response is not the expected JSON: {ex.Message}", ex);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private static ByteArrayContent Content(byte[] body, string mediaType) => Content(body, new MediaTypeHeaderValue(mediaType));

    private static ByteArrayContent Content(byte[] body, MediaTypeHeaderValue mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = mediaType;
        return content;
    }

    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, bool idempotent, bool streaming, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(IdempotentKey, idempotent);
        try
        {
            return await _retry.ExecuteAsync(
                static async (ctx, state) => await state.Self.SendOnceAsync(state.Build, state.Streaming, ctx.CancellationToken),
                context,
                (Self: this, Build: build, Streaming: streaming));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// One attempt, bounded by the request timeout (watches are not: they end by the server's
    /// timeoutSeconds or the informer's idle timer).
    /// </summary>
    private async Task<HttpResponseMessage> SendOnceAsync(Func<HttpRequestMessage> build, bool streaming, CancellationToken cancellationToken)
    {
        if (streaming)
        {
            return await SendAuthenticatedAsync(build, streaming, cancellationToken);
        }

        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await SendAuthenticatedAsync(build, streaming, linked.Token);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {_options.RequestTimeout.TotalSeconds:0.#} s", ex);
        }
    }

    /// <summary>One request; on 401 with refreshable credentials, one more with fresh ones.</summary>
    private async Task<HttpResponseMessage> SendAuthenticatedAsync(Func<HttpRequestMessage> build, bool streaming, CancellationToken cancellationToken)
    {
        var completion = streaming ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead;
        var credential = await _credentials.GetAsync(cancellationToken);
        using (var request = Authorize(build(), credential))
        {
            var response = await _http.SendAsync(request, completion, cancellationToken);
            if (response.StatusCode != HttpStatusCode.Unauthorized || !_credentials.CanRefresh)
            {
                return response;
            }

            response.Dispose();
        }

        KubernetesLog.RefreshingCredentials(_logger, Configuration.Source);
        _credentials.Invalidate();
        credential = await _credentials.GetAsync(cancellationToken);
        using var retry = Authorize(build(), credential);
        return await _http.SendAsync(retry, completion, cancellationToken);
    }

    private static HttpRequestMessage Authorize(HttpRequestMessage request, Credential credential)
    {
        if (credential.BearerToken is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        else if (credential.BasicAuth is { } basic)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        }

        return request;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            text = "";
        }

        Status? status = null;
        if (text.Length > 0 && text.TrimStart().StartsWith('{'))
        {
            try
            {
                status = JsonSerializer.Deserialize(text, KubernetesJsonContext.Default.Status);
                if (status?.Kind is not (null or "Status"))
                {
                    status = null;
                }
            }
            catch (JsonException)
            {
                status = null;
            }
        }

        status ??= text.Length > 0 ? new Status { Message = Truncate(text), Code = (int)response.StatusCode } : null;
        throw KubernetesApiException.Create(response.StatusCode, status, operation);
    }

    private ResiliencePipeline<HttpResponseMessage> BuildRetry()
    {
        var retry = new RetryStrategyOptions<HttpResponseMessage>
        {
            MaxRetryAttempts = Math.Max(1, _options.MaxRetryAttempts),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryBaseDelay,
            MaxDelay = _options.RetryMaxDelay,
            ShouldHandle = args => args.Outcome switch
            {
                { Result: { } r } => IsRetryableAsync(r),

                // A connection that failed may have delivered the request; only replay what is safe to replay.
                { Exception: HttpRequestException or TimeoutException } => ValueTask.FromResult(args.Context.Properties.GetValue(IdempotentKey, defaultValue: false)),
                _ => ValueTask.FromResult(false),
            },
            DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
            OnRetry = args =>
            {
                var code = args.Outcome.Result is { } r ? ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : args.Outcome.Exception?.GetType().Name ?? "?";
                KubernetesLog.Retrying(_logger, code, args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds);
                args.Outcome.Result?.Dispose();
                return ValueTask.CompletedTask;
            },
        };
        if (_options.MaxRetryAttempts == 0)
        {
            return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time }.Build();
        }

        return new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time }.AddRetry(retry).Build();
    }

    private static bool IsRetryable(HttpStatusCode code) => code == HttpStatusCode.TooManyRequests || (int)code >= 500;

    /// <summary>
    /// A "too large resource version" answer is not retried: the server's state went back, and the
    /// same request gets the same answer (after the server's own wait) until the caller lists afresh.
    /// </summary>
    private static async ValueTask<bool> IsRetryableAsync(HttpResponseMessage response)
    {
        if (!IsRetryable(response.StatusCode))
        {
            return false;
        }

        if (response.StatusCode != HttpStatusCode.GatewayTimeout)
        {
            return true;
        }

        try
        {
            // Buffered, so the error path can still read the body if this one is not retried.
            await response.Content.LoadIntoBufferAsync();
            var text = await response.Content.ReadAsStringAsync();
            var status = text.TrimStart().StartsWith('{') ? JsonSerializer.Deserialize(text, KubernetesJsonContext.Default.Status) : null;
            return !TooLargeResourceVersion.Is(status);
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException)
        {
            return true;
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        TimeSpan? wait = header.Delta ?? (header.Date is { } date ? date - _time.GetUtcNow() : null);
        if (wait is null)
        {
            return null;
        }

        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        return wait > _options.RetryMaxDelay ? _options.RetryMaxDelay : wait;
    }

    private static string Describe(string? ns, string? name) =>
        string.IsNullOrEmpty(ns) ? name ?? "" : $"{ns}/{name}";

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
