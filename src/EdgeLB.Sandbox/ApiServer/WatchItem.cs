namespace EdgeLB.Sandbox.ApiServer;

/// <summary>What a watch subscription receives in order: a committed change, or a bookmark at a resourceVersion.</summary>
internal sealed record WatchItem(StoredEvent? Event, long BookmarkResourceVersion);
