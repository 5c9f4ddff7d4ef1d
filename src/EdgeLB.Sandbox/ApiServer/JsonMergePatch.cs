using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>RFC 7386 JSON merge patch: maps merge, null deletes, everything else (lists included) replaces.</summary>
internal static class JsonMergePatch
{
    /// <summary>The patched copy of <paramref name="target"/>; neither argument is changed.</summary>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) =>
        patch is JsonObject ? MergeInto(target?.DeepClone() as JsonObject ?? [], patch) : patch?.DeepClone();

    /// <summary>Merges into <paramref name="result"/>, which the caller owns, so it is copied once, not once per level.</summary>
    private static JsonObject MergeInto(JsonObject result, JsonNode patch)
    {
        foreach (var (key, value) in (JsonObject)patch)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonObject && result[key] is JsonObject child)
            {
                MergeInto(child, value);
            }
            else
            {
                result[key] = value is JsonObject ? MergeInto([], value) : value.DeepClone();
            }
        }

        return result;
    }
}
