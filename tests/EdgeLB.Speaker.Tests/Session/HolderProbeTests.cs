using System.Net;
using EdgeLB.Sandbox.Lab;
using EdgeLB.Speaker.Session;
using EdgeLB.Speaker.Tests.Forwarding;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Speaker.Tests.Session;

/// <summary>The standby's pings against real kernels in namespaces: a holder whose link goes down turns unreachable, and back.</summary>
public sealed class HolderProbeTests
{
    [NetnsFact]
    public async Task AHolderAnswers_UntilItsLinkGoesDown_ThenIsReportedOnce_AndRecoversWhenItComesBack()
    {
        await using var lab = await NetworkLab.CreateAsync("hp");
        var standby = await lab.AddHostAsync("sb");
        var holder = await lab.AddHostAsync("ho");
        using var thread = new NamespaceThread(standby.Namespace);
        using var probe = new HolderProbe(TimeProvider.System, NullLogger.Instance, new NamespaceSocketFactory(thread));
        var reports = 0;
        probe.OnUnreachable = () => Interlocked.Increment(ref reports);
        probe.Watch("198.18.0.100", "node-ho", IPAddress.Parse(holder.IPv4));
        probe.Watch("2001:db8::100", "node-ho", IPAddress.Parse(holder.IPv6));

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Empty(probe.Unreachable());
        Assert.Equal(0, reports);

        // A link going down takes the node's IPv6 addresses with it: the way back is checked over IPv4.
        probe.Unwatch("2001:db8::100");
        await holder.RunAsync("ip", "link", "set", "eth0", "down");
        await SessionHarness.WaitUntilAsync(() => probe.Unreachable().Count > 0, "the holder turns unreachable");
        Assert.Equal(["node-ho"], probe.Unreachable());
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, reports); // once, not once per ping

        await holder.RunAsync("ip", "link", "set", "eth0", "up");
        await SessionHarness.WaitUntilAsync(() => probe.Unreachable().Count == 0, "the holder answers again");

        probe.Unwatch("198.18.0.100");
        Assert.Empty(probe.Unreachable());
    }
}
