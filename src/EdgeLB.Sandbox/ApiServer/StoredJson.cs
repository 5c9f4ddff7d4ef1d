using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// The JSON text of objects the server hands out, serialized once per object: the answer to the
/// write that stored it and every watch that sends it share the bytes, as the real API server's
/// watch cache shares one encoding. Only for objects nobody changes any more (stored objects are
/// frozen; writers replace them), and kept exactly as long as the object.
/// </summary>
internal static class StoredJson
{
    private static readonly ConditionalWeakTable<JsonObject, byte[]> Cache = [];

    public static byte[] Of(JsonObject stored) => Cache.GetValue(stored, HttpJson.Serialize);
}
