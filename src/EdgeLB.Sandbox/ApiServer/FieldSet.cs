using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// The fields a server-side apply manager owns, as leaf paths, and their round trip through
/// metadata.managedFields in the fieldsV1 format (<c>{"f:spec":{"f:ports":{}}}</c>). Lists are atomic leaves.
/// </summary>
internal static class FieldSet
{
    private const char Separator = '\u001f';

    public static HashSet<string> Of(JsonObject applied)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        Collect(applied, "", set, top: true);
        return set;
    }

    public static Dictionary<string, HashSet<string>> Managers(JsonObject obj)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var entry in (JsonTree.Walk(obj, "metadata", "managedFields") as JsonArray ?? []).OfType<JsonObject>())
        {
            if (JsonTree.GetString(entry, "operation") != "Apply" || JsonTree.GetString(entry, "manager") is not { } manager)
            {
                continue;
            }

            var set = new HashSet<string>(StringComparer.Ordinal);
            if (entry["fieldsV1"] is JsonObject fields)
            {
                Decode(fields, "", set);
            }

            result[manager] = set;
        }

        return result;
    }

    public static void SetManager(JsonObject obj, string manager, string apiVersion, HashSet<string> fields, DateTimeOffset now, bool touch = true)
    {
        var meta = JsonTree.Metadata(obj);
        var list = meta["managedFields"] as JsonArray ?? [];
        var existing = list.OfType<JsonObject>().FirstOrDefault(e => JsonTree.GetString(e, "manager") == manager && JsonTree.GetString(e, "operation") == "Apply");
        var time = !touch && existing is not null ? JsonTree.GetString(existing, "time") : JsonTree.FormatTime(now);
        var entries = list.Where(e => e != existing).Select(e => e?.DeepClone()).ToList();
        if (fields.Count > 0)
        {
            entries.Add(new JsonObject
            {
                ["manager"] = manager,
                ["operation"] = "Apply",
                ["apiVersion"] = apiVersion,
                ["time"] = time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = Encode(fields),
            });
        }

        meta["managedFields"] = new JsonArray(entries.ToArray());
    }

    public static JsonNode? ValueAt(JsonObject obj, string path) => JsonTree.Walk(obj, path.Split(Separator));

    public static void Remove(JsonObject obj, string path)
    {
        var parts = path.Split(Separator);
        if (JsonTree.Walk(obj, parts.AsSpan(..^1)) is JsonObject parent)
        {
            parent.Remove(parts[^1]);
        }
    }

    public static string Display(string path) => "." + path.Replace(Separator, '.');

    private static void Collect(JsonObject obj, string prefix, HashSet<string> set, bool top)
    {
        foreach (var (key, value) in obj)
        {
            if (top && key is "apiVersion" or "kind")
            {
                continue;
            }

            if (prefix == "metadata" && key is "name" or "namespace" or "managedFields" or "resourceVersion" or "uid" or "creationTimestamp" or "generation")
            {
                continue;
            }

            var path = prefix.Length == 0 ? key : prefix + Separator + key;
            if (value is JsonObject child && child.Count > 0)
            {
                Collect(child, path, set, top: false);
            }
            else
            {
                set.Add(path);
            }
        }
    }

    private static JsonObject Encode(HashSet<string> fields)
    {
        var root = new JsonObject();
        foreach (var path in fields.Order(StringComparer.Ordinal))
        {
            var node = root;
            foreach (var part in path.Split(Separator))
            {
                if (node["f:" + part] is not JsonObject next)
                {
                    next = [];
                    node["f:" + part] = next;
                }

                node = next;
            }
        }

        return root;
    }

    private static void Decode(JsonObject fields, string prefix, HashSet<string> set)
    {
        foreach (var (key, value) in fields)
        {
            if (!key.StartsWith("f:", StringComparison.Ordinal))
            {
                continue;
            }

            var path = prefix.Length == 0 ? key[2..] : prefix + Separator + key[2..];
            if (value is JsonObject child && child.Any(kv => kv.Key.StartsWith("f:", StringComparison.Ordinal)))
            {
                Decode(child, path, set);
            }
            else
            {
                set.Add(path);
            }
        }
    }
}
