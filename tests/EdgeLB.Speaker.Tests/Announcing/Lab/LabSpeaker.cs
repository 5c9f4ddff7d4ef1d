using EdgeLB.Net.Ethernet;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Speaker.Tests.Announcing.Fakes;
using EdgeLB.Sandbox.Lab;
using EdgeLB.Testing;

namespace EdgeLB.Speaker.Tests.Announcing.Lab;

/// <summary>An announcer running in-process on a lab host.</summary>
internal sealed class LabSpeaker : IDisposable
{
    public LabSpeaker(LabHost host, AnnouncerOptions? options = null, TimeProvider? time = null)
    {
        TestThreadPool.EnsureWide();
        Host = host;
        Mac = MacAddress.Parse(host.Mac);
        Thread = host.EnterThread();
        Announcer = new Announcer(new NamespacedLinkEnvironment(Thread), options ?? new AnnouncerOptions(), time ?? TimeProvider.System, Logger, Meters);
    }

    public LabHost Host { get; }

    public MacAddress Mac { get; }

    public NamespaceThread Thread { get; }

    public Announcer Announcer { get; }

    public RecordingLogger Logger { get; } = new();

    public TestMeterFactory Meters { get; } = new();

    public void Dispose()
    {
        Announcer.Dispose();
        Meters.Dispose();
        Thread.Dispose();
    }
}
