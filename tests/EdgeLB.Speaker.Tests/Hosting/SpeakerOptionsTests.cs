using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Hosting;
using Microsoft.Extensions.Configuration;

namespace EdgeLB.Speaker.Tests.Hosting;

public sealed class SpeakerOptionsTests
{
    private static SpeakerOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new SpeakerOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Bind(options);
        return options;
    }

    [Fact]
    public void ManageSysctls_DefaultsOn_AndTheDaemonSetsSettingTurnsItOffInTheForwarder()
    {
        Assert.True(new SpeakerOptions().ToForwardingOptions().ManageSysctls);

        // EDGELB_MANAGESYSCTLS=false (deploy/speaker.yaml) arrives as the key MANAGESYSCTLS.
        var forwarding = Bind(new() { ["MANAGESYSCTLS"] = "false", ["DATAPLANE"] = "nftables" }).ToForwardingOptions();
        Assert.False(forwarding.ManageSysctls);
        Assert.Equal(DataPlaneKind.Nftables, forwarding.DataPlane);
    }
}
