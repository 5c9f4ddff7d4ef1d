using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Speaker.Tests.Announcing.Lab;

/// <summary>
/// The real host environment, entered through a <see cref="NamespaceThread"/>: interface lookups,
/// socket creation and sysctl reads happen inside the lab host's namespace. The sockets stay bound to
/// that namespace, so the announcer's own threads use them from the root namespace unchanged. This is
/// how the announcer runs in-process "on" a lab node, without a helper process.
/// </summary>
internal sealed class NamespacedLinkEnvironment(NamespaceThread thread) : ILinkEnvironment
{
    private readonly HostLinkEnvironment _host = new();

    public ILinkPort OpenPort(string interfaceName) => thread.Invoke(() => _host.OpenPort(interfaceName));

    public IReadOnlyList<LinkInterface> GetInterfaces() => thread.Invoke(_host.GetInterfaces);

    public IDisposable WatchLinks(Action<InterfaceChangedEventArgs> onChange) => thread.Invoke(() => _host.WatchLinks(onChange));

    public string? ReadSysctl(string path) => thread.Invoke(() => _host.ReadSysctl(path));
}
