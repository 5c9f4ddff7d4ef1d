using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>Small helpers over System.Text.Json nodes, the server's generic object representation.</summary>
internal static class JsonTree
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = [];
        obj["metadata"] = meta;
        return meta;
    }

    public static string? GetString(JsonNode? node, params ReadOnlySpan<string> path)
    {
        var value = Walk(node, path);
        return value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
    }

    public static JsonNode? Walk(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var p in path)
        {
            if (node is not JsonObject o)
            {
                return null;
            }

            node = o[p];
        }

        return node;
    }

    /// <summary>A scalar rendered the way Kubernetes field selectors compare it: strings as-is, others as JSON text.</summary>
    public static string? ScalarText(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>() ? "true" : "false",
        JsonValue v => v.ToJsonString(),
        _ => null,
    };

    /// <summary>An integer value whatever CLR type backs the node (parsed JSON, or an int or long set in code).</summary>
    public static long? GetLong(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && long.TryParse(v.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : null;

    /// <summary>
    /// Puts kind, apiVersion and metadata first, the order the real server writes, by moving the
    /// members of <paramref name="obj"/> (which the caller owns) rather than copying them.
    /// </summary>
    public static JsonObject Ordered(JsonObject obj)
    {
        var members = obj.ToList();
        obj.Clear();
        foreach (var key in new[] { "kind", "apiVersion", "metadata" })
        {
            if (members.Find(m => m.Key == key).Value is { } value)
            {
                obj[key] = value;
            }
        }

        foreach (var (key, value) in members)
        {
            if (key is not ("kind" or "apiVersion" or "metadata"))
            {
                obj[key] = value;
            }
        }

        return obj;
    }

    public static Dictionary<string, string> Labels(JsonObject obj)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Walk(obj, "metadata", "labels") is JsonObject labels)
        {
            foreach (var (k, v) in labels)
            {
                result[k] = ScalarText(v) ?? "";
            }
        }

        return result;
    }

    /// <summary>
    /// Forces every lazily parsed part of the tree into memory. Stored objects are shared between
    /// threads read-only, and a lazily parsed node materializes itself on first read, which is a write.
    /// </summary>
    public static T Freeze<T>(T node)
        where T : JsonNode
    {
        Touch(node);
        return node;
    }

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string FormatMicroTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private static void Touch(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    Touch(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Touch(child);
                }

                break;
        }
    }
}
