using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>The discovery documents: /version, /api, /apis, /apis/&lt;group&gt; and the per-version resource lists.</summary>
internal sealed class DiscoveryDocuments
{
    private readonly ResourceRegistry _registry;
    private readonly string _gitVersion;

    public DiscoveryDocuments(ResourceRegistry registry, string gitVersion)
    {
        _registry = registry;
        _gitVersion = gitVersion;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    public JsonObject Version()
    {
        var parts = _gitVersion.TrimStart('v').Split('.', '-');
        return new JsonObject
        {
            ["major"] = parts[0],
            ["minor"] = parts.Length > 1 ? parts[1] : "0",
            ["gitVersion"] = _gitVersion,
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.23.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public JsonObject GroupList() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray(_registry.Groups.Select(g => (JsonNode?)Group(g, withTypeMeta: false)).ToArray()),
    };

    public JsonObject? Group(string group, bool withTypeMeta = true)
    {
        var version = _registry.PreferredVersion(group);
        if (version is null)
        {
            return null;
        }

        var gv = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        var doc = new JsonObject();
        if (withTypeMeta)
        {
            doc["kind"] = "APIGroup";
            doc["apiVersion"] = "v1";
        }

        doc["name"] = group;
        doc["versions"] = new JsonArray(gv);
        doc["preferredVersion"] = gv.DeepClone();
        return doc;
    }

    public const string AggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /// <summary>Whether the client asked for aggregated discovery (apidiscovery.k8s.io/v2), as kubectl 1.30+ does.</summary>
    public static bool WantsAggregated(string? accept) =>
        accept is not null && accept.Contains("as=APIGroupDiscoveryList", StringComparison.Ordinal)
        && accept.Contains("g=apidiscovery.k8s.io;v=v2;", StringComparison.Ordinal);

    /// <summary>The aggregated discovery document for /api (core) or /apis (every named group) in one response.</summary>
    public JsonObject Aggregated(bool core)
    {
        var items = new JsonArray();
        var groups = core ? [""] : _registry.Groups.ToList();
        foreach (var group in groups)
        {
            var versions = new JsonArray();
            foreach (var version in _registry.All.Where(r => r.Group == group).Select(r => r.Version).Distinct(StringComparer.Ordinal))
            {
                var resources = new JsonArray();
                foreach (var t in _registry.InGroupVersion(group, version))
                {
                    var kind = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind };
                    var r = new JsonObject
                    {
                        ["resource"] = t.Plural,
                        ["responseKind"] = kind,
                        ["scope"] = t.Namespaced ? "Namespaced" : "Cluster",
                        ["singularResource"] = t.Singular,
                        ["verbs"] = Strings(t.Verbs),
                    };
                    if (t.ShortNames.Count > 0)
                    {
                        r["shortNames"] = Strings(t.ShortNames);
                    }

                    if (t.Categories.Count > 0)
                    {
                        r["categories"] = Strings(t.Categories);
                    }

                    if (t.HasStatus)
                    {
                        r["subresources"] = new JsonArray(new JsonObject
                        {
                            ["subresource"] = "status",
                            ["responseKind"] = kind.DeepClone(),
                            ["verbs"] = new JsonArray("get", "patch", "update"),
                        });
                    }

                    resources.Add((JsonNode)r);
                }

                versions.Add((JsonNode)new JsonObject { ["version"] = version, ["resources"] = resources, ["freshness"] = "Current" });
            }

            var metadata = new JsonObject { ["creationTimestamp"] = null };
            if (group.Length > 0)
            {
                metadata["name"] = group;
            }

            items.Add((JsonNode)new JsonObject { ["metadata"] = metadata, ["versions"] = versions });
        }

        return new JsonObject
        {
            ["kind"] = "APIGroupDiscoveryList",
            ["apiVersion"] = "apidiscovery.k8s.io/v2",
            ["metadata"] = new JsonObject(),
            ["items"] = items,
        };
    }

    public JsonObject? ResourceList(string group, string version)
    {
        var types = _registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
            };
            if (t.ShortNames.Count > 0)
            {
                r["shortNames"] = new JsonArray(t.ShortNames.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            }

            if (t.Categories.Count > 0)
            {
                r["categories"] = new JsonArray(t.Categories.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            }

            resources.Add((JsonNode)r);
            if (t.HasStatus)
            {
                resources.Add((JsonNode)new JsonObject
                {
                    ["name"] = t.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = t.Namespaced,
                    ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
