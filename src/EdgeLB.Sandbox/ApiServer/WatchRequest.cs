namespace EdgeLB.Sandbox.ApiServer;

/// <summary>The parameters of one watch: where to start, what to send, and as what.</summary>
internal sealed record WatchRequest(
    ResourceType Type,
    string? Namespace,
    ObjectFilter Filter,
    long? FromResourceVersion,
    bool SendInitialEvents,
    bool Bookmarks,
    TimeSpan Timeout,
    bool AsTable,
    string IncludeObject);
