using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Announce;

/// <summary>The host environment entered through a namespace thread, so the announcer runs "on" a lab node.</summary>
internal sealed class NamespacedLinkEnvironment(NamespaceThread thread) : ILinkEnvironment
{
    private readonly HostLinkEnvironment _host = new();

    public ILinkPort OpenPort(string interfaceName) => thread.Invoke(() => _host.OpenPort(interfaceName));

    public IReadOnlyList<LinkInterface> GetInterfaces() => thread.Invoke(_host.GetInterfaces);

    public IDisposable WatchLinks(Action<InterfaceChangedEventArgs> onChange) => thread.Invoke(() => _host.WatchLinks(onChange));

    public string? ReadSysctl(string path) => thread.Invoke(() => _host.ReadSysctl(path));
}
