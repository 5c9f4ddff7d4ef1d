using System.Globalization;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test), as <c>kubectl patch --type=json</c> sends.</summary>
internal static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonArray ops)
        {
            throw ApiException.BadRequest("a JSON patch must be an array of operations");
        }

        var doc = target?.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op)
            {
                throw ApiException.BadRequest("each JSON patch operation must be an object");
            }

            var kind = JsonTree.GetString(op, "op");
            var path = JsonTree.GetString(op, "path") ?? throw ApiException.BadRequest("JSON patch operation without a path");
            switch (kind)
            {
                case "add":
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    doc = Remove(doc, path, out _);
                    break;
                case "replace":
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    doc = Remove(doc, JsonTree.GetString(op, "from") ?? "", out var moved);
                    doc = Add(doc, path, moved);
                    break;
                case "copy":
                    doc = Add(doc, path, Get(doc, JsonTree.GetString(op, "from") ?? "")?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(doc, path), op["value"]))
                    {
                        throw new ApiException(422, "Invalid", $"testing value {path} failed");
                    }

                    break;
                default:
                    throw ApiException.BadRequest($"unsupported JSON patch operation \"{kind}\"");
            }
        }

        return doc;
    }

    private static string[] Split(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw ApiException.BadRequest($"invalid JSON pointer \"{pointer}\"");
        }

        return pointer[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Get(JsonNode? doc, string pointer) => Walk(doc, Split(pointer), pointer);

    private static JsonNode? Walk(JsonNode? doc, string[] parts, string pointer)
    {
        foreach (var part in parts)
        {
            doc = doc switch
            {
                JsonObject o when o.ContainsKey(part) => o[part],
                JsonArray a when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw new ApiException(422, "Invalid", $"JSON patch path \"{pointer}\" does not exist"),
            };
        }

        return doc;
    }

    private static JsonNode? Add(JsonNode? doc, string pointer, JsonNode? value)
    {
        var parts = Split(pointer);
        if (parts.Length == 0)
        {
            return value;
        }

        var parent = Walk(doc, parts[..^1], pointer);
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(422, "Invalid", $"JSON patch path \"{pointer}\" cannot be added to");
        }

        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string pointer, out JsonNode? removed)
    {
        var parts = Split(pointer);
        if (parts.Length == 0)
        {
            removed = doc;
            return null;
        }

        var parent = Walk(doc, parts[..^1], pointer);
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                removed = o[last];
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new ApiException(422, "Invalid", $"JSON patch path \"{pointer}\" does not exist");
        }

        return doc;
    }
}
