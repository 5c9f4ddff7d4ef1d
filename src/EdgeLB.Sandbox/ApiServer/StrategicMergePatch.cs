using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// The part of Kubernetes strategic merge patch that kubectl sends for the kinds we serve. Maps merge
/// like a JSON merge patch; lists of objects that Kubernetes merges by key (ports by port, conditions by
/// type, ownerReferences by uid, containers by name) merge element by element; finalizers merge as a
/// set; other lists replace. The directives <c>$patch</c> (replace/delete), <c>$retainKeys</c>,
/// <c>$deleteFromPrimitiveList/</c> and <c>$setElementOrder/</c> are understood (the last only as a no-op).
/// Go struct tags drive this in the real server; here a field-name table stands in for them.
/// </summary>
internal static class StrategicMergePatch
{
    private static readonly Dictionary<string, string[]> MergeKeys = new(StringComparer.Ordinal)
    {
        ["ports"] = ["port", "containerPort"],
        ["conditions"] = ["type"],
        ["addresses"] = ["type"],
        ["ownerReferences"] = ["uid"],
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["env"] = ["name"],
        ["volumes"] = ["name"],
        ["volumeMounts"] = ["mountPath"],
        ["imagePullSecrets"] = ["name"],
    };

    private static readonly HashSet<string> SetLists = new(StringComparer.Ordinal) { "finalizers" };

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => Merge(target, patch);

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p)
        {
            return patch?.DeepClone();
        }

        if (JsonTree.ScalarText(p["$patch"]) == "replace")
        {
            return StripDirectives(p);
        }

        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : [];
        foreach (var (key, value) in p)
        {
            if (key.StartsWith("$setElementOrder/", StringComparison.Ordinal) || key is "$patch" or "$retainKeys")
            {
                continue;
            }

            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray list && value is JsonArray remove)
                {
                    var drop = remove.Select(JsonTree.ScalarText).ToHashSet(StringComparer.Ordinal);
                    result[field] = new JsonArray(list.Where(x => !drop.Contains(JsonTree.ScalarText(x))).Select(x => x?.DeepClone()).ToArray());
                }

                continue;
            }

            if (value is null || (value is JsonObject vo && JsonTree.ScalarText(vo["$patch"]) == "delete"))
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList)
            {
                result[key] = MergeList(key, result[key] as JsonArray, patchList);
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }

        if (p["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(JsonTree.ScalarText).ToHashSet(StringComparer.Ordinal);
            foreach (var k in result.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(k);
            }
        }

        return result;
    }

    private static JsonArray MergeList(string field, JsonArray? current, JsonArray patch)
    {
        if (SetLists.Contains(field))
        {
            var union = current is null ? [] : (JsonArray)current.DeepClone();
            var seen = union.Select(JsonTree.ScalarText).ToHashSet(StringComparer.Ordinal);
            foreach (var item in patch)
            {
                if (seen.Add(JsonTree.ScalarText(item)))
                {
                    union.Add(item?.DeepClone());
                }
            }

            return union;
        }

        if (!MergeKeys.TryGetValue(field, out var keys) || current is null || !patch.All(x => x is JsonObject))
        {
            return new JsonArray(patch.Where(x => !IsDirectiveOnly(x)).Select(x => x is JsonObject o ? StripDirectives(o) : x?.DeepClone()).ToArray());
        }

        if (patch.Any(x => x is JsonObject o && JsonTree.ScalarText(o["$patch"]) == "replace"))
        {
            return new JsonArray(patch.Where(x => !IsDirectiveOnly(x)).Select(x => StripDirectives((JsonObject)x!)).ToArray());
        }

        var result = new List<JsonNode?>(current.Select(x => x?.DeepClone()));
        foreach (var item in patch.Cast<JsonObject>())
        {
            var key = keys.FirstOrDefault(k => item[k] is not null);
            var index = key is null ? -1 : result.FindIndex(x => x is JsonObject o && JsonNode.DeepEquals(o[key], item[key]));
            if (JsonTree.ScalarText(item["$patch"]) == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }
            }
            else if (index >= 0)
            {
                result[index] = Merge(result[index], item);
            }
            else
            {
                result.Add(StripDirectives(item));
            }
        }

        return new JsonArray(result.ToArray());
    }

    private static bool IsDirectiveOnly(JsonNode? node) => node is JsonObject o && o.Count == 1 && o["$patch"] is not null;

    private static JsonObject StripDirectives(JsonObject obj)
    {
        var copy = new JsonObject();
        foreach (var (k, v) in obj)
        {
            if (k.StartsWith('$'))
            {
                continue;
            }

            copy[k] = v switch
            {
                JsonObject o => StripDirectives(o),
                JsonArray a => new JsonArray(a.Select(x => x is JsonObject xo ? StripDirectives(xo) : x?.DeepClone()).ToArray()),
                _ => v?.DeepClone(),
            };
        }

        return copy;
    }
}
