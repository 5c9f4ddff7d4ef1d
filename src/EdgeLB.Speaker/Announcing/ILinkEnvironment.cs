using EdgeLB.Net.Interfaces;

namespace EdgeLB.Speaker.Announcing;

/// <summary>The host as the announcer sees it; a seam so tests can run it inside a network namespace or on fakes.</summary>
internal interface ILinkEnvironment
{
    /// <summary>Opens the interface; throws <see cref="InvalidOperationException"/> when it does not exist.</summary>
    ILinkPort OpenPort(string interfaceName);

    IReadOnlyList<LinkInterface> GetInterfaces();

    /// <summary>Calls <paramref name="onChange"/> (on another thread) whenever a link or address changes.</summary>
    IDisposable WatchLinks(Action<InterfaceChangedEventArgs> onChange);

    /// <summary>Reads /proc/sys/<paramref name="path"/> (e.g. net/ipv4/conf/eth0/arp_ignore); null when absent.</summary>
    string? ReadSysctl(string path);
}
