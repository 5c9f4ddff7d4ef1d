using System.Threading.Channels;

namespace EdgeLB.Sandbox.ApiServer;

/// <summary>
/// The store's side of one open watch. The store pushes items while it holds its lock, so every
/// subscription sees changes in commit order; the HTTP side drains the channel.
/// </summary>
internal sealed class WatchSubscription
{
    private readonly Channel<WatchItem> _channel =
        Channel.CreateUnbounded<WatchItem>(new UnboundedChannelOptions { SingleReader = true });

    public WatchSubscription(ResourceType resource, string? ns)
    {
        Resource = resource;
        Namespace = ns;
    }

    public ResourceType Resource { get; }

    public string? Namespace { get; }

    public ChannelReader<WatchItem> Reader => _channel.Reader;

    /// <summary>Set when a fault dropped the watch abruptly (connection reset rather than a clean end).</summary>
    public bool Aborted { get; private set; }

    public bool Wants(StoredEvent e) =>
        e.Resource == Resource && (Namespace is null || e.Namespace == Namespace);

    public void Push(WatchItem item) => _channel.Writer.TryWrite(item);

    public void Drop(bool abort)
    {
        Aborted = abort;
        _channel.Writer.TryComplete();
    }
}
