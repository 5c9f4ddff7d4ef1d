using System.Text.Json.Nodes;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// One committed change. Previous is the object before the change (null for Added); watches use it
/// to turn a change that moves an object in or out of a selector into ADDED or DELETED, and lists
/// use it to rebuild older snapshots for continue tokens.
/// </summary>
internal sealed record StoredEvent(WatchEventType Type, ResourceType Resource, long ResourceVersion, JsonObject Object, JsonObject? Previous)
{
    public string? Namespace => JsonTree.GetString(Object, "metadata", "namespace");

    /// <summary>The object as JSON, serialized once however many watches send it.</summary>
    public byte[] ObjectJson => StoredJson.Of(Object);
}
