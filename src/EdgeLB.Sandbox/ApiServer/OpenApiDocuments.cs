using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// A minimal OpenAPI v3 surface: the /openapi/v3 index and one document per group-version. Each
/// resource's PATCH operation is listed with its x-kubernetes-group-version-kind and the
/// fieldValidation query parameter, which is how kubectl decides to validate on the server instead
/// of downloading schemas. The operations declare no request body, so kubectl builds strategic merge
/// patches from its compiled-in types (and JSON merge patches for EdgeLB's kinds), as it does for
/// servers without published schemas. Schemas are open objects: the server does not prune or
/// reject unknown fields.
/// </summary>
internal sealed class OpenApiDocuments
{
    private const string Hash = "edgelb0000000001";
    private readonly ResourceRegistry _registry;

    public OpenApiDocuments(ResourceRegistry registry) => _registry = registry;

    public JsonObject? Get(string[] segments, string? hash)
    {
        _ = hash;
        return segments switch
        {
            ["openapi", "v3"] => Index(),
            ["openapi", "v3", "api", var version] => Document("", version),
            ["openapi", "v3", "apis", var group, var version] => Document(group, version),
            _ => null,
        };
    }

    private JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var gv in _registry.All.Select(r => (r.Group, r.Version)).Distinct())
        {
            var key = gv.Group.Length == 0 ? $"api/{gv.Version}" : $"apis/{gv.Group}/{gv.Version}";
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={Hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    private JsonObject? Document(string group, string version)
    {
        var types = _registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var t in types)
        {
            var gvk = new JsonObject { ["group"] = t.Group, ["kind"] = t.Kind, ["version"] = t.Version };
            var schemaName = SchemaName(t);
            schemas[schemaName] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = $"{t.Kind} as served by the EdgeLB in-memory API server.",
                ["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone()),
            };
            if (t.CreateOnly)
            {
                continue;
            }

            var itemPath = t.Namespaced
                ? $"{t.CollectionPath("{namespace}")}/{{name}}"
                : $"{t.CollectionPath(null)}/{{name}}";
            paths[itemPath] = new JsonObject
            {
                ["patch"] = new JsonObject
                {
                    ["operationId"] = $"patch{t.Kind}",
                    ["x-kubernetes-action"] = "patch",
                    ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
                    ["parameters"] = new JsonArray(
                        QueryParameter("dryRun"),
                        QueryParameter("fieldManager"),
                        QueryParameter("fieldValidation"),
                        QueryParameter("force")),
                    ["responses"] = new JsonObject
                    {
                        ["200"] = new JsonObject
                        {
                            ["description"] = "OK",
                            ["content"] = new JsonObject
                            {
                                ["application/json"] = new JsonObject
                                {
                                    ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" },
                                },
                            },
                        },
                    },
                },
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string SchemaName(ResourceType t) =>
        t.Group.Length == 0 ? $"io.k8s.api.core.{t.Version}.{t.Kind}" : $"{string.Join('.', t.Group.Split('.').Reverse())}.{t.Version}.{t.Kind}";

    private static JsonObject QueryParameter(string name) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
    };
}
