using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Addresses;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Controller.Tests.Coordination;

public sealed class BackendTests
{
    private static readonly IPValue Vip = IPValue.Parse("198.18.0.100");

    private static CoordinationSnapshot Snapshot(Dictionary<NodePortTarget, bool>? holderProbes = null, Dictionary<NodePortTarget, bool>? otherProbes = null, string[]? localNodes = null)
    {
        var nodes = new Dictionary<string, NodeFacts>(StringComparer.Ordinal)
        {
            ["node-1"] = new("node-1", new Dictionary<string, string>(StringComparer.Ordinal), true, false, [IPValue.Parse("198.18.0.1"), IPValue.Parse("2001:db8::1")]),
            ["node-2"] = new("node-2", new Dictionary<string, string>(StringComparer.Ordinal), true, false, [IPValue.Parse("198.18.0.2")]),
            ["node-3"] = new("node-3", new Dictionary<string, string>(StringComparer.Ordinal), true, false, [IPValue.Parse("198.18.0.3")]),
            ["down"] = new("down", new Dictionary<string, string>(StringComparer.Ordinal), false, false, [IPValue.Parse("198.18.0.4")]),
            ["excluded"] = new("excluded", new Dictionary<string, string>(StringComparer.Ordinal) { [NodeFacts.ExcludeLabel] = "" }, true, false, [IPValue.Parse("198.18.0.5")]),
        };
        var speakers = new Dictionary<string, SpeakerFacts>(StringComparer.Ordinal)
        {
            ["node-1"] = new("node-1", true, false, Health.Ok, [], holderProbes ?? []),
            ["node-2"] = new("node-2", true, false, Health.Ok, [], otherProbes ?? []),
        };
        var slices = localNodes is null
            ? Array.Empty<EndpointSlice>()
            : [new EndpointSlice { Metadata = new ObjectMeta { Namespace = "default", Labels = new Dictionary<string, string> { [EndpointSlice.ServiceNameLabel] = "web" } }, Endpoints = [.. localNodes.Select(n => new Endpoint { NodeName = n })] }];
        return new CoordinationSnapshot(nodes, speakers, [], new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal), LocalEndpoints.From(slices));
    }

    private static VipGroup Group(bool local) =>
        new(Vip.ToString(), [Vip], new Dictionary<IPValue, string?> { [Vip] = "lan" }, ["default/web"], local ? ["default/web"] : [], [new GroupPort("default/web", "http", "TCP", 80, 30080, local)], null);

    [Fact]
    public void Backends_AreReadyNodesInternalIps_OfTheVipsFamily_WithoutExcludedOnes()
    {
        var port = Assert.Single(BackendPlanner.Ports(Group(local: false), IPFamily.IPv4, "node-1", Snapshot()));

        Assert.Equal(["198.18.0.1", "198.18.0.2", "198.18.0.3"], port.Backends.Select(b => b.Address));
        Assert.All(port.Backends, b => Assert.Equal(30080u, b.Port));
        Assert.Equal("2001:db8::1", BackendPlanner.Ports(Group(local: false), IPFamily.IPv6, "node-1", Snapshot())[0].Backends[0].Address);
    }

    [Fact]
    public void HoldersProbes_Decide_OthersCountWhenTheHolderHasNotProbed()
    {
        var holder = new Dictionary<NodePortTarget, bool> { [new("198.18.0.2", 30080, Protocol.Tcp)] = false, [new("198.18.0.3", 30080, Protocol.Tcp)] = true };
        var other = new Dictionary<NodePortTarget, bool> { [new("198.18.0.3", 30080, Protocol.Tcp)] = false, [new("198.18.0.1", 30080, Protocol.Tcp)] = false };

        var port = BackendPlanner.Ports(Group(local: false), IPFamily.IPv4, "node-1", Snapshot(holder, other))[0];

        Assert.Equal(["198.18.0.3"], port.Backends.Select(b => b.Address));
    }

    [Fact]
    public void EveryCandidateFailing_SendsThemAll_SoTheHolderKeepsProbingThem()
    {
        var holder = new Dictionary<NodePortTarget, bool>
        {
            [new("198.18.0.1", 30080, Protocol.Tcp)] = false,
            [new("198.18.0.2", 30080, Protocol.Tcp)] = false,
            [new("198.18.0.3", 30080, Protocol.Tcp)] = false,
        };

        var port = BackendPlanner.Ports(Group(local: false), IPFamily.IPv4, "node-1", Snapshot(holder))[0];

        Assert.Equal(["198.18.0.1", "198.18.0.2", "198.18.0.3"], port.Backends.Select(b => b.Address));
    }

    [Fact]
    public void LocalTrafficPolicy_KeepsOnlyNodesWithLocalEndpoints()
    {
        var port = BackendPlanner.Ports(Group(local: true), IPFamily.IPv4, "node-1", Snapshot(localNodes: ["node-2", "down"]))[0];

        var backend = Assert.Single(port.Backends);
        Assert.Equal("node-2", backend.Node);
        Assert.True(backend.HasLocalEndpoints);
    }
    [Fact]
    public void ManyNodes_AtMostSixteenPerPort_HolderFirst_SpreadPerVip_StableWhenAnotherNodeLeaves()
    {
        static CoordinationSnapshot Cluster(int count, Dictionary<NodePortTarget, bool>? probes = null, string? without = null)
        {
            var nodes = Enumerable.Range(1, count).Select(i => $"n-{i:D2}").Where(n => n != without).ToDictionary(
                n => n,
                n => new NodeFacts(n, new Dictionary<string, string>(StringComparer.Ordinal), true, false, [IPValue.Parse($"198.18.1.{int.Parse(n[2..], System.Globalization.CultureInfo.InvariantCulture)}")]),
                StringComparer.Ordinal);
            var speakers = new Dictionary<string, SpeakerFacts>(StringComparer.Ordinal) { ["n-07"] = new("n-07", true, false, Health.Ok, [], probes ?? []) };
            return new CoordinationSnapshot(nodes, speakers, [], new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal), LocalEndpoints.From([]));
        }

        static VipGroup GroupOf(string vip) =>
            new(vip, [IPValue.Parse(vip)], new Dictionary<IPValue, string?> { [IPValue.Parse(vip)] = "lan" }, ["default/web"], [], [new GroupPort("default/web", "http", "TCP", 80, 30080, false)], null);

        List<string> NodesOf(string vip, CoordinationSnapshot snapshot) =>
            [.. BackendPlanner.Ports(GroupOf(vip), IPFamily.IPv4, "n-07", snapshot)[0].Backends.Select(b => b.Node)];

        var first = NodesOf("198.18.0.100", Cluster(40));
        var second = NodesOf("198.18.0.101", Cluster(40));
        Assert.Equal(BackendPlanner.MaxBackendsPerPort, first.Count);
        Assert.Contains("n-07", first); // the holder forwards to its own NodePort without a hop
        Assert.Equal(first.Order(StringComparer.Ordinal), first);
        Assert.NotEqual(first, second);

        var outsider = Enumerable.Range(1, 40).Select(i => $"n-{i:D2}").First(n => !first.Contains(n));
        Assert.Equal(first, NodesOf("198.18.0.100", Cluster(40, without: outsider)));

        // Failing nodes give way to healthy ones outside the subset.
        var failing = first.Where(n => n != "n-07").Take(3).ToList();
        var probes = failing.ToDictionary(n => new NodePortTarget($"198.18.1.{int.Parse(n[2..], System.Globalization.CultureInfo.InvariantCulture)}", 30080, Protocol.Tcp), _ => false);
        var healed = NodesOf("198.18.0.100", Cluster(40, probes));
        Assert.Equal(BackendPlanner.MaxBackendsPerPort, healed.Count);
        Assert.DoesNotContain(healed, failing.Contains);
    }
}
