using EdgeLB.Speaker.Hosting;

namespace EdgeLB.Tests;

public sealed class SpeakerOptionsTests
{
    [Fact]
    public void Defaults_WithANodeName_AreValid()
    {
        var options = new SpeakerOptions { NodeName = "node-a" };
        Assert.Empty(options.Validate());
        Assert.Equal("edgelb-controller.edgelb-system:7473", options.Controller);
        Assert.Equal("0.0.0.0:7474", options.HttpListen);
    }

    [Theory]
    [InlineData("--controller", nameof(SpeakerOptions.Controller), "controller")]
    [InlineData("--controller", nameof(SpeakerOptions.Controller), "a:1,b")]
    [InlineData("--http-listen", nameof(SpeakerOptions.HttpListen), "everywhere")]
    [InlineData("--data-plane", nameof(SpeakerOptions.DataPlane), "ebpf")]
    [InlineData("--node-addresses", nameof(SpeakerOptions.NodeAddresses), "198.18.0.1,node-b")]
    [InlineData("--token-file", nameof(SpeakerOptions.TokenFile), "/nonexistent/edgelb-speaker6-token")]
    public void BadSettings_AreNamedByTheirFlag(string flag, string property, string value)
    {
        var options = new SpeakerOptions { NodeName = "node-a" };
        typeof(SpeakerOptions).GetProperty(property)!.SetValue(options, value);
        var problem = Assert.Single(options.Validate());
        Assert.StartsWith(flag + ":", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void OrphanLimit_OutOfRange_IsNamed()
    {
        var options = new SpeakerOptions { NodeName = "node-a", OrphanLimit = TimeSpan.FromHours(2) };
        Assert.StartsWith("--orphan-limit:", Assert.Single(options.Validate()), StringComparison.Ordinal);
    }
}
