using System.Net;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;
using Microsoft.Extensions.Options;

namespace EdgeLB.Speaker.Tests.Forwarding;

public sealed class OptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        new ForwardingOptions().Validate();
        new HealthCheckOptions().Validate();
        ServiceForwardingOptions.Default.Validate("options");
    }

    [Fact]
    public void BadSettings_FailWithAClearMessage()
    {
        Assert.Contains("timeout must not exceed", Assert.Throws<OptionsValidationException>(() => new HealthCheckOptions { Timeout = TimeSpan.FromSeconds(1) }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("rise and fall", Assert.Throws<OptionsValidationException>(() => new HealthCheckOptions { Fall = 0 }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("1-15 characters", Assert.Throws<OptionsValidationException>(() => new ForwardingOptions { InterfaceName = "a-very-long-interface" }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("nftables table", Assert.Throws<OptionsValidationException>(() => new ForwardingOptions { NftablesTable = "x; flush ruleset" }.Validate()).Message, StringComparison.Ordinal);
        Assert.Contains("port must be 1-65535", Assert.Throws<ArgumentException>(() => new VipPort(IPAddress.Loopback, 0, ForwardProtocol.Tcp).Validate("vip")).Message, StringComparison.Ordinal);
        Assert.Contains("healthCheckNodePort", Assert.Throws<ArgumentException>(() => new ServiceForwardingOptions { HealthCheckNodePort = 70000 }.Validate("options")).Message, StringComparison.Ordinal);
    }
}
