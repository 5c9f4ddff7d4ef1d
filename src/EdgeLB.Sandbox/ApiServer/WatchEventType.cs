namespace EdgeLB.Sandbox.ApiServer;

internal enum WatchEventType
{
    Added,
    Modified,
    Deleted,
}
