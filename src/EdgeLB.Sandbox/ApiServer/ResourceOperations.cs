using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// The write semantics of the API server: create (generateName, uid, timestamps), update with
/// optimistic concurrency, the status subresource split, patches, delete with finalizers and
/// preconditions. Every read-modify-write runs atomically inside the store's lock.
/// </summary>
internal sealed class ResourceOperations
{
    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly ServiceDefaulter _services;
    private readonly TimeProvider _time;
    private readonly bool _autoCreateNamespaces;

    public ResourceOperations(ObjectStore store, ResourceRegistry registry, ServiceDefaulter services, TimeProvider time, bool autoCreateNamespaces)
    {
        _store = store;
        _registry = registry;
        _services = services;
        _time = time;
        _autoCreateNamespaces = autoCreateNamespaces;
    }

    /// <summary>POST. <paramref name="body"/> is the caller's own copy (a parsed request, a manifest) and becomes the stored object.</summary>
    public JsonObject Create(ResourceType type, string? ns, JsonObject body, WriteOptions options)
    {
        CheckTypeMeta(type, body);
        var obj = body;
        var meta = JsonTree.Metadata(obj);
        SetNamespace(type, ns, meta);
        return _store.Atomically(() =>
        {
            var name = JsonTree.GetString(meta, "name");
            if (string.IsNullOrEmpty(name) && JsonTree.GetString(meta, "generateName") is { Length: > 0 } prefix)
            {
                do
                {
                    name = prefix + RandomSuffix();
                }
                while (_store.Get(type, ns, name) is not null);
                meta["name"] = name;
            }

            ObjectValidator.Validate(type, obj);
            name = JsonTree.GetString(meta, "name")!;
            if (_store.Get(type, type.Namespaced ? ns : null, name) is not null)
            {
                throw ApiException.AlreadyExists(type, name);
            }

            EnsureNamespace(type, ns, options);
            if (type.ResetStatusOnCreate)
            {
                obj.Remove("status");
            }

            meta.Remove("resourceVersion");
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = JsonTree.FormatTime(_time.GetUtcNow());
            if (type.TracksGeneration)
            {
                meta["generation"] = 1;
            }

            ApplyTypeRules(type, obj, null);
            return Commit(type, ns, name, obj, options);
        });
    }

    /// <summary>PUT. On the main endpoint status changes are ignored; on /status everything but status is.</summary>
    public JsonObject Update(ResourceType type, string? ns, string name, JsonObject body, bool statusOnly, WriteOptions options)
    {
        CheckTypeMeta(type, body);
        var bodyName = JsonTree.GetString(body, "metadata", "name");
        if (bodyName is not null && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        var bodyNs = JsonTree.GetString(body, "metadata", "namespace");
        if (type.Namespaced && bodyNs is { Length: > 0 } && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        return _store.Atomically(() =>
        {
            var current = _store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
            return Replace(type, ns, name, current, body, statusOnly, options);
        });
    }

    /// <summary>PATCH: merge, strategic merge or JSON patch; server-side apply goes to <see cref="Apply"/>.</summary>
    public JsonObject Patch(ResourceType type, string? ns, string name, string contentType, string body, bool statusOnly, WriteOptions options)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType == "application/apply-patch+yaml")
        {
            return Apply(type, ns, name, body, statusOnly, options);
        }

        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw ApiException.BadRequest($"error decoding patch: {ex.Message}");
        }

        return _store.Atomically(() =>
        {
            var current = _store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
            var patched = mediaType switch
            {
                "application/merge-patch+json" => JsonMergePatch.Apply(current, patch),
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(current, patch),
                "application/json-patch+json" => JsonPatch.Apply(current, patch),
                _ => throw new ApiException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"),
            } as JsonObject ?? throw ApiException.BadRequest("the patch did not produce an object");
            return Replace(type, ns, name, current, patched, statusOnly, options);
        });
    }

    /// <summary>
    /// Server-side apply, simplified: the applied configuration merges into the object (maps
    /// recursively, keyed lists by key, other lists replace); fields this field manager applied
    /// before and no longer applies are removed unless another applier owns them; a different value
    /// for a field another applier owns is a 409 conflict unless force=true. Ownership is kept in
    /// metadata.managedFields (fieldsV1, lists treated as atomic); Update operations are not tracked.
    /// </summary>
    public JsonObject Apply(ResourceType type, string? ns, string name, string body, bool statusOnly, WriteOptions options)
    {
        if (string.IsNullOrEmpty(options.FieldManager))
        {
            throw ApiException.BadRequest("PATCH, application/apply-patch+yaml requires fieldManager to be set");
        }

        var applied = YamlJson.Parse(body) as JsonObject ?? throw ApiException.BadRequest("the apply configuration must be an object");
        if (JsonTree.GetString(applied, "apiVersion") is null || JsonTree.GetString(applied, "kind") is null)
        {
            throw ApiException.BadRequest("invalid object type: apiVersion and kind must be set in an apply configuration");
        }

        CheckTypeMeta(type, applied);
        var appliedName = JsonTree.GetString(applied, "metadata", "name");
        if (appliedName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({appliedName}) does not match the name on the URL ({name})");
        }

        return _store.Atomically(() =>
        {
            var current = _store.Get(type, ns, name);
            var newFields = FieldSet.Of(applied);
            if (current is null)
            {
                if (statusOnly)
                {
                    throw ApiException.NotFound(type, name);
                }

                var created = (JsonObject)applied.DeepClone();
                FieldSet.SetManager(created, options.FieldManager, type.ApiVersion, newFields, _time.GetUtcNow());
                return Create(type, ns, created, options);
            }

            var owners = FieldSet.Managers(current);
            var mine = owners.GetValueOrDefault(options.FieldManager) ?? [];
            var conflicts = new List<string>();
            foreach (var (manager, fields) in owners)
            {
                if (manager == options.FieldManager)
                {
                    continue;
                }

                foreach (var path in fields.Where(newFields.Contains).ToList())
                {
                    var differs = !JsonNode.DeepEquals(FieldSet.ValueAt(current, path), FieldSet.ValueAt(applied, path));
                    if (differs && !options.Force)
                    {
                        conflicts.Add($"conflict with \"{manager}\": {FieldSet.Display(path)}");
                    }
                    else if (differs)
                    {
                        fields.Remove(path);
                    }
                }
            }

            if (conflicts.Count > 0)
            {
                var summary = conflicts.Count == 1 ? "Apply failed with 1 conflict" : $"Apply failed with {conflicts.Count} conflicts";
                throw ApiException.Conflict(type, name, $"{summary}: {string.Join("\n", conflicts)}");
            }

            var result = (JsonObject)current.DeepClone();
            foreach (var path in mine.Where(p => !newFields.Contains(p) && !owners.Any(o => o.Key != options.FieldManager && o.Value.Contains(p))))
            {
                FieldSet.Remove(result, path);
            }

            result = (JsonObject)StrategicMergePatch.Apply(result, applied)!;
            owners[options.FieldManager] = newFields;
            foreach (var (manager, fields) in owners)
            {
                FieldSet.SetManager(result, manager, type.ApiVersion, fields, _time.GetUtcNow(), touch: manager == options.FieldManager);
            }

            return Replace(type, ns, name, current, result, statusOnly, options, applied: true);
        });
    }

    public JsonObject Delete(ResourceType type, string? ns, string name, JsonObject? deleteOptions, WriteOptions options)
    {
        return _store.Atomically(() =>
        {
            var current = _store.Get(type, ns, name) ?? throw ApiException.NotFound(type, name);
            var preconditions = deleteOptions?["preconditions"] as JsonObject;
            if (JsonTree.GetString(preconditions, "uid") is { } uid && uid != JsonTree.GetString(current, "metadata", "uid"))
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {JsonTree.GetString(current, "metadata", "uid")}");
            }

            if (JsonTree.GetString(preconditions, "resourceVersion") is { } rv && rv != JsonTree.GetString(current, "metadata", "resourceVersion"))
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {JsonTree.GetString(current, "metadata", "resourceVersion")}");
            }

            if (JsonTree.Walk(current, "metadata", "finalizers") is JsonArray { Count: > 0 })
            {
                if (JsonTree.GetString(current, "metadata", "deletionTimestamp") is not null)
                {
                    return current;
                }

                var marked = (JsonObject)current.DeepClone();
                JsonTree.Metadata(marked)["deletionTimestamp"] = JsonTree.FormatTime(_time.GetUtcNow());
                JsonTree.Metadata(marked)["deletionGracePeriodSeconds"] = 0;
                return Commit(type, ns, name, marked, options);
            }

            if (type == _registry.Namespaces && !options.DryRun)
            {
                foreach (var namespaced in _registry.All.Where(r => r.Namespaced && !r.CreateOnly))
                {
                    foreach (var child in _store.List(namespaced, name).Items)
                    {
                        _store.Commit(namespaced, name, JsonTree.GetString(child, "metadata", "name")!, null);
                    }
                }
            }

            return options.DryRun ? current : _store.Commit(type, ns, name, null).Object;
        });
    }

    /// <summary>
    /// Writes the next version of <paramref name="current"/>. <paramref name="body"/> is the caller's
    /// own copy (a parsed request, a patched or applied copy) and becomes part of the stored object.
    /// </summary>
    private JsonObject Replace(ResourceType type, string? ns, string name, JsonObject current, JsonObject body, bool statusOnly, WriteOptions options, bool applied = false)
    {
        var currentRv = JsonTree.GetString(current, "metadata", "resourceVersion");
        var bodyRv = JsonTree.GetString(body, "metadata", "resourceVersion");
        if (!string.IsNullOrEmpty(bodyRv) && bodyRv != currentRv)
        {
            throw ApiException.StaleResourceVersion(type, name);
        }

        JsonObject next;
        if (statusOnly && !applied && SameBesideStatus(body, current))
        {
            // What a status write usually is: the body differs from the stored object in status
            // alone, so it is the next version as it stands, without copying the stored one again.
            next = body;
        }
        else if (statusOnly)
        {
            next = (JsonObject)current.DeepClone();
            next["status"] = Detach(body, "status");
            if (next["status"] is null)
            {
                next.Remove("status");
            }

            if (applied)
            {
                // Field ownership of a status apply is recorded like any other apply.
                JsonTree.Metadata(next)["managedFields"] = JsonTree.Walk(body, "metadata", "managedFields")?.DeepClone();
            }
        }
        else
        {
            next = body;
            if (type.HasStatus)
            {
                next["status"] = current["status"]?.DeepClone();
                if (next["status"] is null)
                {
                    next.Remove("status");
                }
            }

            var meta = JsonTree.Metadata(next);
            var oldMeta = JsonTree.Metadata(current);
            foreach (var field in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields" })
            {
                if (oldMeta[field] is { } value && (field != "managedFields" || meta[field] is null))
                {
                    meta[field] = value.DeepClone();
                }
                else if (oldMeta[field] is null && field != "managedFields")
                {
                    meta.Remove(field);
                }
            }

            meta["name"] = name;
            SetNamespace(type, ns, meta);
            meta.Remove("generateName");
            if (oldMeta["generateName"] is { } gen)
            {
                meta["generateName"] = gen.DeepClone();
            }

            next["apiVersion"] = type.ApiVersion;
            next["kind"] = type.Kind;
            ObjectValidator.Validate(type, next);
            ApplyTypeRules(type, next, current);
            if (type.TracksGeneration && !JsonNode.DeepEquals(next["spec"], current["spec"]))
            {
                meta["generation"] = (JsonTree.GetLong(oldMeta["generation"]) ?? 0) + 1;
            }
        }

        JsonTree.Metadata(next)["resourceVersion"] = currentRv;
        if (JsonNode.DeepEquals(next, current))
        {
            // A write that changes nothing is not a new version: same resourceVersion, no watch event.
            return current;
        }

        if (JsonTree.GetString(next, "metadata", "deletionTimestamp") is not null
            && JsonTree.Walk(next, "metadata", "finalizers") is not JsonArray { Count: > 0 })
        {
            return options.DryRun ? next : _store.Commit(type, ns, name, null).Object;
        }

        return Commit(type, ns, name, next, options);
    }

    /// <summary>Whether every member but status is the same in both objects.</summary>
    private static bool SameBesideStatus(JsonObject a, JsonObject b)
    {
        var members = 0;
        foreach (var (key, value) in a)
        {
            if (key == "status")
            {
                continue;
            }

            members++;
            if (!b.TryGetPropertyValue(key, out var other) || !JsonNode.DeepEquals(value, other))
            {
                return false;
            }
        }

        return members == b.Count - (b.ContainsKey("status") ? 1 : 0);
    }

    /// <summary>Takes a member out of an object the caller owns, to be placed in another.</summary>
    private static JsonNode? Detach(JsonObject owner, string key) =>
        owner.Remove(key, out var value) ? value : null;

    private JsonObject Commit(ResourceType type, string? ns, string name, JsonObject obj, WriteOptions options) =>
        options.DryRun ? obj : _store.Commit(type, type.Namespaced ? ns : null, name, JsonTree.Ordered(obj)).Object;

    private void ApplyTypeRules(ResourceType type, JsonObject obj, JsonObject? old)
    {
        if (type == _registry.Services)
        {
            _services.Apply(type, obj, old);
        }
        else if (type == _registry.Namespaces)
        {
            var name = JsonTree.GetString(obj, "metadata", "name")!;
            var meta = JsonTree.Metadata(obj);
            if (meta["labels"] is not JsonObject labels)
            {
                labels = [];
                meta["labels"] = labels;
            }

            labels["kubernetes.io/metadata.name"] = name;
            obj["spec"] ??= new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            obj["status"] = old?["status"]?.DeepClone() ?? new JsonObject { ["phase"] = "Active" };
        }
    }

    private void EnsureNamespace(ResourceType type, string? ns, WriteOptions options)
    {
        if (!type.Namespaced || ns is null || _store.Get(_registry.Namespaces, null, ns) is not null)
        {
            return;
        }

        if (!_autoCreateNamespaces)
        {
            throw ApiException.NotFound(_registry.Namespaces, ns);
        }

        Create(_registry.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, options);
    }

    private static void SetNamespace(ResourceType type, string? ns, JsonObject meta)
    {
        if (!type.Namespaced)
        {
            meta.Remove("namespace");
            return;
        }

        var bodyNs = JsonTree.GetString(meta, "namespace");
        if (bodyNs is { Length: > 0 } && bodyNs != ns)
        {
            throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
        }

        meta["namespace"] = ns;
    }

    private static void CheckTypeMeta(ResourceType type, JsonObject body)
    {
        var apiVersion = JsonTree.GetString(body, "apiVersion");
        var kind = JsonTree.GetString(body, "kind");
        if (apiVersion is not null && apiVersion != type.ApiVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        }

        if (kind is not null && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }

        body["apiVersion"] = type.ApiVersion;
        body["kind"] = type.Kind;
    }

    private static string RandomSuffix() =>
        string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = GenerateNameAlphabet[RandomNumberGenerator.GetInt32(GenerateNameAlphabet.Length)];
            }
        });
}
