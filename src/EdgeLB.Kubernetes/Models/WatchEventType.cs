namespace EdgeLB.Kubernetes.Models;

/// <summary>The kinds of line a watch stream carries.</summary>
public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}
