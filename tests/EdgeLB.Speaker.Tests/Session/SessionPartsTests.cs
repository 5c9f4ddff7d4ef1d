using System.Net;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Session;

namespace EdgeLB.Speaker.Tests.Session;

public sealed class SessionPartsTests
{
    [Theory]
    [InlineData("controller:7473", "controller", 7473)]
    [InlineData(" 198.18.0.1:1 ", "198.18.0.1", 1)]
    [InlineData("[2001:db8::1]:7473", "2001:db8::1", 7473)]
    public void ControllerEndpoint_ParsesHostAndPort(string text, string host, int port)
    {
        Assert.True(ControllerEndpoint.TryParse(text, out var endpoint));
        Assert.Equal((host, port), (endpoint.Host, endpoint.Port));
    }

    [Theory]
    [InlineData("")]
    [InlineData("controller")]
    [InlineData("controller:")]
    [InlineData("controller:0")]
    [InlineData("controller:65536")]
    [InlineData("2001:db8::1:7473")]
    [InlineData("bad host:1")]
    public void ControllerEndpoint_RejectsWhatIsNotHostPort(string text) => Assert.False(ControllerEndpoint.TryParse(text, out _));

    [Fact]
    public void ControllerEndpoint_IPv6_IsDialledInBrackets()
    {
        var endpoint = Assert.Single(ControllerEndpoint.ParseList("[2001:db8::1]:7473"));
        Assert.Equal(new Uri("http://[2001:db8::1]:7473"), endpoint.Uri);
        Assert.Equal("[2001:db8::1]:7473", endpoint.ToString());
        Assert.Throws<FormatException>(() => ControllerEndpoint.ParseList("a:1,b"));
    }

    [Fact]
    public void Backoff_GrowsWithinItsBounds_AndResets()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), new Random(6));
        var delays = Enumerable.Range(0, 40).Select(_ => backoff.Next()).ToList();
        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5)));
        Assert.Equal(TimeSpan.FromMilliseconds(100), delays[0]); // the first retry comes quickly
        Assert.Contains(delays.Skip(10), d => d > TimeSpan.FromSeconds(1)); // later ones spread towards the ceiling
        backoff.Reset();
        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
    }

    [Fact]
    public void ForwardingPlan_SkipsWhatCannotBeForwarded_AndSaysWhy()
    {
        var vip = IPAddress.Parse("198.18.6.100");
        var assignment = new Assignment
        {
            Ports =
            {
                new ServicePort { Name = "web", Protocol = Protocol.Tcp, Port = 80, Backends = { new Rpc.Contract.V1.Backend { Address = "198.18.6.12", Port = 30080, Weight = 0 }, new Rpc.Contract.V1.Backend { Node = "x", Address = "not-an-ip", Port = 30080 }, new Rpc.Contract.V1.Backend { Address = "198.18.6.13", Port = 30080, Weight = 999 } } },
                new ServicePort { Name = "sctp", Protocol = Protocol.Sctp, Port = 9 },
                new ServicePort { Name = "none", Protocol = Protocol.Unspecified, Port = 10 },
                new ServicePort { Name = "big", Protocol = Protocol.Udp, Port = 70000 },
            },
        };

        var plan = ForwardingPlan.From(vip, assignment);

        var (backends, options) = Assert.Single(plan.Ports).Value;
        Assert.Equal([1, 256], backends.Select(b => b.Weight)); // weight 0 means 1; weights are capped
        Assert.Null(options.SessionAffinityTimeout);
        Assert.Equal(4, plan.Problems.Count);
    }
}
