using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Addresses;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Rpc.Contract.V1;
using K8sSelector = EdgeLB.Kubernetes.Models.LabelSelector;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Each eligibility rule on its own, against a snapshot where everything else is fine.</summary>
public sealed class EligibilityTests
{
    private static readonly IPValue Vip = IPValue.Parse("198.18.0.100");
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Case(
        IReadOnlyDictionary<string, string>? Labels = null,
        bool Ready = true,
        bool NetworkUnavailable = false,
        bool Session = true,
        bool Live = true,
        bool Draining = false,
        Health Health = Health.Ok,
        bool LinkUp = true,
        string Subnet = "198.18.0.1",
        bool Local = false,
        bool HasLocalEndpoint = true,
        bool ProbesFail = false,
        bool OthersReachBackends = true,
        L2AdvertisementSpec? Advertisement = null,
        IReadOnlyDictionary<string, string>? PoolLabels = null,
        TimeSpan? OthersReachedFor = null);

    private static Verdict Judge(Case c)
    {
        var node = new NodeFacts("node-1", c.Labels ?? new Dictionary<string, string>(StringComparer.Ordinal), c.Ready, c.NetworkUnavailable, [IPValue.Parse("198.18.0.1")]);
        var probes = new Dictionary<NodePortTarget, bool>();
        if (c.ProbesFail)
        {
            probes[new NodePortTarget("198.18.0.2", 30080, Protocol.Tcp)] = false;
        }

        var speakers = new Dictionary<string, SpeakerFacts>(StringComparer.Ordinal);
        if (c.Session)
        {
            speakers["node-1"] = new SpeakerFacts("node-1", c.Live, c.Draining, c.Health, [new InterfaceFacts("eth0", c.LinkUp, [(IPValue.Parse(c.Subnet), 24)])], probes);
        }

        if (c.ProbesFail && c.OthersReachBackends)
        {
            var target = new NodePortTarget("198.18.0.2", 30080, Protocol.Tcp);
            var reached = new Dictionary<NodePortTarget, bool> { [target] = true };
            var since = c.OthersReachedFor is { } lasted ? new Dictionary<NodePortTarget, DateTimeOffset> { [target] = Now - lasted } : null;
            speakers["node-2"] = new SpeakerFacts("node-2", true, false, Health.Ok, [], reached, since);
        }

        var problems = new List<string>();
        var ad = Advertisement.From(new L2Advertisement { Metadata = new ObjectMeta { Name = "lan" }, Spec = c.Advertisement ?? new L2AdvertisementSpec { IpAddressPools = ["lan"] } }, problems);
        var endpoints = LocalEndpoints.From(c.HasLocalEndpoint
            ? [new EndpointSlice { Metadata = new ObjectMeta { Namespace = "default", Labels = new Dictionary<string, string> { [EndpointSlice.ServiceNameLabel] = "web" } }, Endpoints = [new Endpoint { NodeName = "node-1" }] }]
            : []);
        var snapshot = new CoordinationSnapshot(
            new Dictionary<string, NodeFacts>(StringComparer.Ordinal) { ["node-1"] = node },
            speakers,
            [ad],
            new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal) { ["lan"] = c.PoolLabels ?? new Dictionary<string, string>(StringComparer.Ordinal) },
            endpoints);
        var group = new VipGroup(
            Vip.ToString(),
            [Vip],
            new Dictionary<IPValue, string?> { [Vip] = "lan" },
            ["default/web"],
            c.Local ? ["default/web"] : [],
            [new GroupPort("default/web", "http", "TCP", 80, 30080, c.Local)],
            null);
        return new EligibilityRules(snapshot, c.OthersReachedFor is null ? null : Now).Judge(group, "node-1");
    }

    public static TheoryData<string, RejectionReason> Rules() => new()
    {
        { "eligible", RejectionReason.Unspecified },
        { "exclude label", RejectionReason.Excluded },
        { "node selector", RejectionReason.Excluded },
        { "no advertisement for pool", RejectionReason.Excluded },
        { "no session", RejectionReason.NoSession },
        { "not ready", RejectionReason.Unhealthy },
        { "network unavailable", RejectionReason.Unhealthy },
        { "heartbeats late", RejectionReason.Unhealthy },
        { "reports failed", RejectionReason.Unhealthy },
        { "draining", RejectionReason.Draining },
        { "no local endpoint", RejectionReason.NoLocalEndpoints },
        { "link down", RejectionReason.NoInterface },
        { "not in subnet", RejectionReason.NoInterface },
        { "advertisement interfaces", RejectionReason.NoInterface },
        { "nodeport probes fail", RejectionReason.NodeportUnhealthy },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void EachRule_RejectsWithItsReason(string rule, RejectionReason expected)
    {
        var c = rule switch
        {
            "eligible" => new Case(),
            "exclude label" => new Case(Labels: new Dictionary<string, string> { [NodeFacts.ExcludeLabel] = "" }),
            "node selector" => new Case(Advertisement: new L2AdvertisementSpec { IpAddressPools = ["lan"], NodeSelectors = [new K8sSelector { MatchLabels = new Dictionary<string, string> { ["edge"] = "true" } }] }),
            "no advertisement for pool" => new Case(Advertisement: new L2AdvertisementSpec { IpAddressPools = ["other"] }),
            "no session" => new Case(Session: false),
            "not ready" => new Case(Ready: false),
            "network unavailable" => new Case(NetworkUnavailable: true),
            "heartbeats late" => new Case(Live: false),
            "reports failed" => new Case(Health: Health.Failed),
            "draining" => new Case(Draining: true),
            "no local endpoint" => new Case(Local: true, HasLocalEndpoint: false),
            "link down" => new Case(LinkUp: false),
            "not in subnet" => new Case(Subnet: "198.19.5.1"),
            "advertisement interfaces" => new Case(Advertisement: new L2AdvertisementSpec { IpAddressPools = ["lan"], Interfaces = ["eth1"] }),
            "nodeport probes fail" => new Case(ProbesFail: true),
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };

        var verdict = Judge(c);

        Assert.Equal(expected, verdict.Reason);
        Assert.Equal(expected == RejectionReason.Unspecified, verdict.Eligible);
        if (verdict.Eligible)
        {
            Assert.Equal("eth0", verdict.Interfaces[Vip]);
        }
        else
        {
            Assert.NotEmpty(verdict.Detail);
        }
    }

    [Fact]
    public void NodePortReachedElsewhere_CountsOnlyOnceItLasted()
    {
        // The other speaker's first answers may predate this node's next checks: not yet a verdict.
        var fresh = Judge(new Case(ProbesFail: true, OthersReachedFor: EligibilityRules.NodePortVerdictDelay - TimeSpan.FromMilliseconds(1)));
        Assert.True(fresh.Eligible);

        var lasted = Judge(new Case(ProbesFail: true, OthersReachedFor: EligibilityRules.NodePortVerdictDelay));
        Assert.Equal(RejectionReason.NodeportUnhealthy, lasted.Reason);
    }

    [Fact]
    public void NodePortsFailingFromEveryNode_AreTheBackendsFault_AndLeaveTheNodeEligible()
    {
        var verdict = Judge(new Case(ProbesFail: true, OthersReachBackends: false));

        Assert.True(verdict.Eligible, verdict.Detail);
    }

    [Fact]
    public void Advertisement_MatchesPoolsByNameBySelectorOrAll_AndNodesBySelector()
    {
        var selected = new Case(
            Labels: new Dictionary<string, string> { ["edge"] = "true" },
            Advertisement: new L2AdvertisementSpec
            {
                IpAddressPoolSelectors = [new K8sSelector { MatchLabels = new Dictionary<string, string> { ["tier"] = "public" } }],
                NodeSelectors = [new K8sSelector { MatchLabels = new Dictionary<string, string> { ["edge"] = "true" } }],
                Interfaces = ["eth0"],
            },
            PoolLabels: new Dictionary<string, string> { ["tier"] = "public" });
        Assert.True(Judge(selected).Eligible);
        Assert.Equal(RejectionReason.Excluded, Judge(selected with { PoolLabels = new Dictionary<string, string> { ["tier"] = "private" } }).Reason);
        Assert.True(Judge(new Case(Advertisement: new L2AdvertisementSpec())).Eligible);
    }

    [Fact]
    public void Planner_PutsDualStackAddressesOfOneServiceOnOneNode_AndExplainsTheOthers()
    {
        var v4 = IPValue.Parse("198.18.0.100");
        var v6 = IPValue.Parse("2001:db8::100");
        var nodes = Enumerable.Range(1, 3).ToDictionary(i => $"node-{i}", i => new NodeFacts($"node-{i}", new Dictionary<string, string>(StringComparer.Ordinal), true, false, [IPValue.Parse($"198.18.0.{i}")]), StringComparer.Ordinal);
        var speakers = nodes.Keys.Where(n => n != "node-3").ToDictionary(
            n => n,
            n => new SpeakerFacts(n, true, false, Health.Ok, [new InterfaceFacts("eth0", true, [(IPValue.Parse("198.18.0.1"), 24), (IPValue.Parse("2001:db8::1"), 64)])], new Dictionary<NodePortTarget, bool>()),
            StringComparer.Ordinal);
        var snapshot = new CoordinationSnapshot(nodes, speakers, [Advertisement.From(new L2Advertisement { Spec = new L2AdvertisementSpec() }, [])], new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal), LocalEndpoints.From([]));
        var group = new VipGroup(v4.ToString(), [v4, v6], new Dictionary<IPValue, string?> { [v4] = "lan", [v6] = "lan" }, ["default/web"], [], [], null);

        var plan = Assert.Single(AnnouncerPlanner.PlanAll([group], new EligibilityRules(snapshot), new Dictionary<string, string>(StringComparer.Ordinal)));

        Assert.NotNull(plan.Node);
        Assert.Equal(["eth0", "eth0"], new[] { plan.Interfaces[v4], plan.Interfaces[v6] });
        Assert.Equal(plan.Node, plan.Candidates[0].Node);
        Assert.Equal(RejectionReason.LowerRank, plan.Candidates[1].Reason);
        Assert.Equal(RejectionReason.NoSession, plan.Candidates.Single(c => c.Node == "node-3").Reason);
    }

    [Fact]
    public void Grouping_PutsServicesSharingAnAddressTogether()
    {
        static Service Svc(string name, params string[] ips) => new()
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "default" },
            Spec = new ServiceSpec { Type = "LoadBalancer", Ports = [new Kubernetes.Models.ServicePort { Port = 80, NodePort = 30001 }] },
            Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [.. ips.Select(ip => new LoadBalancerIngress { Ip = ip })] } },
        };

        var groups = ServiceGrouping.Build([Svc("a", "198.18.0.10", "2001:db8::10"), Svc("b", "2001:db8::10"), Svc("c", "198.18.0.11")], new ControllerOptions());

        Assert.Equal(2, groups.Count);
        var shared = groups.Single(g => g.Services.Count == 2);
        Assert.Equal(["default/a", "default/b"], shared.Services);
        Assert.Equal("198.18.0.10", shared.Key);
        Assert.Equal(2, shared.Addresses.Count);
    }
}
