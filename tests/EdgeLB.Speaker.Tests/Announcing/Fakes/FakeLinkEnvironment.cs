using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Announcing;

namespace EdgeLB.Speaker.Tests.Announcing.Fakes;

internal sealed class FakeLinkEnvironment : ILinkEnvironment
{
    public Dictionary<string, FakeLinkPort> Ports { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Sysctls { get; } = new(StringComparer.Ordinal);

    public List<LinkInterface> Interfaces { get; } = [];

    public ILinkPort OpenPort(string interfaceName) =>
        Ports.TryGetValue(interfaceName, out var port) ? port : throw new InvalidOperationException($"interface '{interfaceName}' does not exist");

    public IReadOnlyList<LinkInterface> GetInterfaces() => Interfaces;

    public Action<InterfaceChangedEventArgs>? LinkWatcher { get; private set; }

    public IDisposable WatchLinks(Action<InterfaceChangedEventArgs> onChange)
    {
        LinkWatcher = onChange;
        return new Unwatch(this);
    }

    public string? ReadSysctl(string path) => Sysctls.TryGetValue(path, out var v) ? v : null;

    private sealed class Unwatch(FakeLinkEnvironment owner) : IDisposable
    {
        public void Dispose() => owner.LinkWatcher = null;
    }
}
