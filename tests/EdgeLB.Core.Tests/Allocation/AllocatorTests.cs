using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;
using static EdgeLB.Core.Tests.Allocation.AllocatorFixture;

namespace EdgeLB.Core.Tests.Allocation;

public class AllocatorTests
{
    private const string PoolKey = ServiceAnnotations.AddressPool;
    private const string IpsKey = ServiceAnnotations.LoadBalancerIPs;
    private const string ShareKey = ServiceAnnotations.AllowSharedIP;

    [Fact]
    public void Assign_TakesLowestFreeAddress_AndReusesReleasedOnes()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.10-198.18.0.12"]));
        Assert.Equal("198.18.0.10", allocator.Assign(Svc("a")).Ips());
        Assert.Equal("198.18.0.11", allocator.Assign(Svc("b")).Ips());
        Assert.True(allocator.Release(new ServiceKey("default", "a")));
        var c = allocator.Assign(Svc("c"));
        Assert.Equal("198.18.0.10", c.Ips());
        Assert.Equal("lan", c.Pool);
        Assert.True(c.Changed);
    }

    [Fact]
    public void Assign_Again_IsStableAndReportsNoChange()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.10-198.18.0.12"]));
        var first = allocator.Assign(Svc("a"));
        var again = allocator.Assign(Svc("a"));
        Assert.Equal(first.Ips(), again.Ips());
        Assert.False(again.Changed);
    }

    [Fact]
    public void Assign_PoolExhausted_RefusesWithReason()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.10-198.18.0.11"]));
        allocator.Assign(Svc("a"));
        allocator.Assign(Svc("b"));
        var c = allocator.Assign(Svc("c"));
        Assert.Equal(AllocationReasons.PoolExhausted, c.Refusal!.Reason);
        Assert.Equal("no free IPv4 address in pool lan", c.Refusal.Message);
        Assert.Empty(c.Addresses);
        allocator.Release(new ServiceKey("default", "a"));
        Assert.Equal("198.18.0.10", allocator.Assign(Svc("c")).Ips());
    }

    [Fact]
    public void Assign_AvoidBuggyIPs_SkipsDotZeroAndDot255()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.254-198.18.1.1"], AvoidBuggyIPs: true));
        Assert.Equal("198.18.0.254", allocator.Assign(Svc("a")).Ips());
        Assert.Equal("198.18.1.1", allocator.Assign(Svc("b")).Ips());
        Assert.Equal(AllocationReasons.PoolExhausted, allocator.Assign(Svc("c")).Refusal!.Reason);
        var buggy = allocator.Assign(Svc("d", annotations: (IpsKey, "198.18.1.0")));
        Assert.Equal(AllocationReasons.RequestedIPNotInPool, buggy.Refusal!.Reason);
        Assert.Contains("avoidBuggyIPs", buggy.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assign_UnknownPool()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var r = allocator.Assign(Svc("a", annotations: (PoolKey, "wan")));
        Assert.Equal(AllocationReasons.UnknownPool, r.Refusal!.Reason);
        Assert.Equal("pool \"wan\" does not exist", r.Refusal.Message);
    }

    [Fact]
    public void Assign_NamedPool_IsUsedEvenWithAutoAssignOff()
    {
        var allocator = WithPools(new PoolSpec("auto", ["198.18.0.0/28"]), new PoolSpec("manual", ["198.18.1.0/28"], AutoAssign: false));
        Assert.Equal("198.18.0.0", allocator.Assign(Svc("a")).Ips());
        Assert.Equal("198.18.1.0", allocator.Assign(Svc("b", annotations: (PoolKey, "manual"))).Ips());
        Assert.Equal("198.18.1.1", allocator.Assign(Svc("c", annotations: ("metallb.io/address-pool", "manual"))).Ips());
        Assert.Equal("198.18.1.2", allocator.Assign(Svc("d", annotations: ("metallb.universe.tf/address-pool", "manual"))).Ips());
    }

    [Fact]
    public void Assign_NoAutoAssignPool_RefusesNoMatchingPool()
    {
        var allocator = WithPools(new PoolSpec("manual", ["198.18.1.0/28"], AutoAssign: false));
        Assert.Equal(AllocationReasons.NoMatchingPool, allocator.Assign(Svc("a")).Refusal!.Reason);
        Assert.Equal("no IPAddressPool exists", new Allocator().Assign(Svc("a")).Refusal!.Message);
    }

    [Fact]
    public void Assign_PoolOrder_SelectorsByPriorityThenUnrestrictedPools()
    {
        var allocator = WithPools(
            new PoolSpec("general", ["198.18.0.0/28"]),
            new PoolSpec("shop-low", ["198.18.1.0/28"], ServiceAllocation: new(Priority: 20, Namespaces: ["shop"])),
            new PoolSpec("shop-high", ["198.18.2.0/28"], ServiceAllocation: new(Priority: 10, Namespaces: ["shop"])),
            new PoolSpec("shop-last", ["198.18.3.0/28"], ServiceAllocation: new(Namespaces: ["shop"])));

        Assert.Equal("198.18.2.0", allocator.Assign(Svc("a", "shop")).Ips());
        Assert.Equal("198.18.0.0", allocator.Assign(Svc("a", "other")).Ips());
    }

    [Fact]
    public void Assign_NamedPoolThatDoesNotAllowTheService_IsRefused()
    {
        var allocator = WithPools(new PoolSpec("shop", ["198.18.1.0/28"], ServiceAllocation: new(Namespaces: ["shop"])));
        var r = allocator.Assign(Svc("a", "other", (PoolKey, "shop")));
        Assert.Equal(AllocationReasons.PoolNotAllowed, r.Refusal!.Reason);
    }

    [Fact]
    public void Assign_ServiceSelector_MatchesLabels()
    {
        var allocator = WithPools(
            new PoolSpec("public", ["198.18.1.0/28"], ServiceAllocation: new(Priority: 1, ServiceSelectors: [new LabelSelectorSpec(new Dictionary<string, string> { ["exposure"] = "public" })])),
            new PoolSpec("rest", ["198.18.2.0/28"]));
        Assert.Equal("198.18.1.0", allocator.Assign(Svc("a") with { Labels = new Dictionary<string, string> { ["exposure"] = "public" } }).Ips());
        Assert.Equal("198.18.2.0", allocator.Assign(Svc("b")).Ips());
    }

    [Theory]
    [InlineData(IpsKey)]
    [InlineData("metallb.io/loadBalancerIPs")]
    [InlineData("metallb.universe.tf/loadBalancerIPs")]
    public void Assign_RequestedIPByAnnotationOrAlias(string key)
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        Assert.Equal("198.18.0.7", allocator.Assign(Svc("a", annotations: (key, "198.18.0.7"))).Ips());
        Assert.Equal("198.18.0.0", allocator.Assign(Svc("b")).Ips());
    }

    [Fact]
    public void Assign_RequestedIPBySpecLoadBalancerIP()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        Assert.Equal("198.18.0.9", allocator.Assign(Svc("a") with { LoadBalancerIP = "198.18.0.9" }).Ips());
    }

    [Fact]
    public void Assign_RequestedIPNotInPool()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]), new PoolSpec("wan", ["198.18.5.0/28"]));
        Assert.Equal("requested 198.18.9.9 is not in any pool", allocator.Assign(Svc("a", annotations: (IpsKey, "198.18.9.9"))).Refusal!.Message);
        var wrongPool = allocator.Assign(Svc("b", annotations: [(IpsKey, "198.18.5.1"), (PoolKey, "lan")]));
        Assert.Equal(AllocationReasons.RequestedIPNotInPool, wrongPool.Refusal!.Reason);
        Assert.Equal("requested 198.18.5.1 is in pool \"wan\", not in the requested pool \"lan\"", wrongPool.Refusal.Message);
    }

    [Fact]
    public void Assign_RequestedIPInUse()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a", annotations: (IpsKey, "198.18.0.3")));
        var b = allocator.Assign(Svc("b", annotations: (IpsKey, "198.18.0.3")));
        Assert.Equal(AllocationReasons.RequestedIPInUse, b.Refusal!.Reason);
        Assert.Equal("198.18.0.3 is held by default/a", b.Refusal.Message);
    }

    [Fact]
    public void Refusals_NeverNameAServiceOfAnotherNamespace()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("secret-db", "tenant-a", (IpsKey, "198.18.0.3"), (ShareKey, "k")).WithPorts(443));
        var taken = allocator.Assign(Svc("web", "tenant-b", (IpsKey, "198.18.0.3")));
        Assert.Equal("198.18.0.3 is held by another Service under another sharing key", taken.Refusal!.Message);
        Assert.Equal([Ip("198.18.0.3")], taken.Refusal.WaitsFor!.Addresses);

        var ports = allocator.Assign(Svc("web2", "tenant-b", (IpsKey, "198.18.0.3"), (ShareKey, "k")).WithPorts(443));
        Assert.Equal(AllocationReasons.SharingConflict, ports.Refusal!.Reason);
        Assert.Equal("cannot share 198.18.0.3: port 443/TCP is already used by another Service on that address", ports.Refusal.Message);
        Assert.DoesNotContain("tenant-a", ports.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refusals_QuoteAnnotationValuesCutAndEscaped()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var huge = allocator.Assign(Svc("a", annotations: (PoolKey, new string('p', 60_000))));
        Assert.Equal(AllocationReasons.UnknownPool, huge.Refusal!.Reason);
        Assert.True(huge.Refusal.Message.Length < 400, huge.Refusal.Message);
        Assert.Contains("… (60000 characters)", huge.Refusal.Message, StringComparison.Ordinal);

        var raw = allocator.Assign(Svc("b", annotations: (IpsKey, "1.2.3.4\u001B[2J\u0000\u202Egnp")));
        Assert.Equal("\"1.2.3.4\\u001B[2J\\u0000\\u202Egnp\" in edgelb.io/load-balancer-ips is not an IP address", raw.Refusal!.Message);
    }

    [Fact]
    public void PoolExhausted_WaitsForThePoolsAndFamiliesItCouldDrawFrom_AndReleasesAreReported()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.1-198.18.0.1"]), new PoolSpec("v6", ["2001:db8::1-2001:db8::1"]));
        var a = allocator.Assign(Svc("a", annotations: (PoolKey, "lan")));
        var b = allocator.Assign(Svc("b", annotations: (PoolKey, "lan")));
        Assert.Equal(AllocationReasons.PoolExhausted, b.Refusal!.Reason);
        Assert.Equal([new PoolFamily("lan", IPFamily.IPv4)], b.Refusal.WaitsFor!.Pools);
        Assert.False(allocator.HasFree(new PoolFamily("lan", IPFamily.IPv4)));
        allocator.TakeChanges();

        Assert.True(allocator.Release(new ServiceKey("default", "a")));
        var changes = allocator.TakeChanges();
        Assert.Equal(1, changes.Freed[new PoolFamily("lan", IPFamily.IPv4)]);
        Assert.Contains(a.Addresses[0], changes.Touched);
        Assert.True(allocator.HasFree(new PoolFamily("lan", IPFamily.IPv4)));
        Assert.True(allocator.TakeChanges().IsEmpty);
    }

    [Theory]
    [InlineData("198.18.0.300", "\"198.18.0.300\" in edgelb.io/load-balancer-ips is not an IP address")]
    [InlineData("198.18.0.1,198.18.0.2", "edgelb.io/load-balancer-ips lists more than one IPv4 address; give at most one per family")]
    [InlineData("2001:db8::1", "requested 2001:db8::1 is IPv6 but the Service's ipFamilies are [IPv4]")]
    public void Assign_InvalidAnnotation(string value, string message)
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var r = allocator.Assign(Svc("a", annotations: (IpsKey, value)));
        Assert.Equal(AllocationReasons.InvalidAnnotation, r.Refusal!.Reason);
        Assert.Equal(message, r.Refusal.Message);
    }

    [Fact]
    public void Assign_AliasesThatDisagree_AndSpecPlusAnnotation_AreInvalid()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]), new PoolSpec("wan", ["198.18.1.0/28"]));
        var r = allocator.Assign(Svc("a", annotations: [(PoolKey, "lan"), ("metallb.io/address-pool", "wan")]));
        Assert.Equal("edgelb.io/address-pool is \"lan\" but metallb.io/address-pool is \"wan\"; set only one", r.Refusal!.Message);
        var both = allocator.Assign(Svc("b", annotations: (IpsKey, "198.18.0.1")) with { LoadBalancerIP = "198.18.0.2" });
        Assert.Equal(AllocationReasons.InvalidAnnotation, both.Refusal!.Reason);
        var agreeing = allocator.Assign(Svc("c", annotations: [(PoolKey, "wan"), ("metallb.io/address-pool", "wan")]));
        Assert.Equal("198.18.1.0", agreeing.Ips());
    }

    [Fact]
    public void Assign_RequireDualStack_TakesOneOfEachFromOnePool()
    {
        var allocator = WithPools(
            new PoolSpec("v4only", ["198.18.0.0/28"], ServiceAllocation: new(Priority: 1)),
            new PoolSpec("dual", ["198.18.1.0/28", "2001:db8:1::/120"], ServiceAllocation: new(Priority: 2)));
        var r = allocator.Assign(Svc("a").DualStack(IPFamilyPolicy.RequireDualStack, IPFamily.IPv4, IPFamily.IPv6));
        Assert.Equal("198.18.1.0,2001:db8:1::1", r.Ips());
        Assert.Equal("dual", r.Pool);
    }

    [Fact]
    public void Assign_PreferDualStack_TakesWhatIsAvailable()
    {
        var allocator = WithPools(new PoolSpec("v4only", ["198.18.0.0/28"]));
        var r = allocator.Assign(Svc("a").DualStack(IPFamilyPolicy.PreferDualStack, IPFamily.IPv4, IPFamily.IPv6));
        Assert.True(r.Succeeded);
        Assert.Equal("198.18.0.0", r.Ips());
    }

    [Fact]
    public void Assign_PreferDualStack_AddsMissingFamilyWhenAPoolGainsIt_WithoutMovingTheFirst()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var svc = Svc("a").DualStack(IPFamilyPolicy.PreferDualStack, IPFamily.IPv4, IPFamily.IPv6);
        Assert.Equal("198.18.0.0", allocator.Assign(svc).Ips());
        allocator.SetPools(PoolConfiguration.Reconcile([new PoolSpec("lan", ["198.18.0.0/28", "2001:db8::/120"])]));
        var r = allocator.Assign(svc);
        Assert.Equal("198.18.0.0,2001:db8::1", r.Ips());
        Assert.True(r.Changed);
    }

    [Fact]
    public void Assign_FamilyNotAvailable()
    {
        var allocator = WithPools(new PoolSpec("v4only", ["198.18.0.0/28"]));
        var r = allocator.Assign(Svc("a").DualStack(IPFamilyPolicy.SingleStack, IPFamily.IPv6));
        Assert.Equal(AllocationReasons.FamilyNotAvailable, r.Refusal!.Reason);
        var dual = allocator.Assign(Svc("b").DualStack(IPFamilyPolicy.RequireDualStack, IPFamily.IPv4, IPFamily.IPv6));
        Assert.Equal(AllocationReasons.FamilyNotAvailable, dual.Refusal!.Reason);
    }

    [Fact]
    public void Assign_IPv6SingleStack_FromA64_WithoutEnumeratingIt()
    {
        var allocator = WithPools(new PoolSpec("v6", ["2001:db8:0:1::/64"]));
        var svc = Svc("a").DualStack(IPFamilyPolicy.SingleStack, IPFamily.IPv6);
        Assert.Equal("2001:db8:0:1::1", allocator.Assign(svc).Ips());
        Assert.Equal((UInt128.One << 64) - 1, allocator.Usage("v6", IPFamily.IPv6).Size);
        Assert.Equal(1, allocator.Usage("v6", IPFamily.IPv6).Allocated);
    }

    [Fact]
    public void Sharing_SameKeyDifferentPorts_ShareOneAddress()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var a = allocator.Assign(Svc("a", annotations: (ShareKey, "web")).WithPorts(80));
        var b = allocator.Assign(Svc("b", annotations: ("metallb.io/allow-shared-ip", "web")).WithPorts(443));
        Assert.Equal(a.Ips(), b.Ips());
        Assert.Equal(2, allocator.HoldersOf(a.Addresses[0]).Count);
        Assert.Equal(1, allocator.Usage("lan", IPFamily.IPv4).Allocated);

        allocator.Release(new ServiceKey("default", "a"));
        Assert.Single(allocator.HoldersOf(a.Addresses[0]));
        Assert.Equal("198.18.0.1", allocator.Assign(Svc("c")).Ips());
    }

    [Fact]
    public void Sharing_CollidingPorts_GetAnotherAddressOrSharingConflictWhenRequested()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a", annotations: (ShareKey, "web")).WithPorts(80));
        var auto = allocator.Assign(Svc("b", annotations: (ShareKey, "web")).WithPorts(80));
        Assert.Equal("198.18.0.1", auto.Ips());

        var requested = allocator.Assign(Svc("c", annotations: [(ShareKey, "web"), (IpsKey, "198.18.0.0")]).WithPorts(80));
        Assert.Equal(AllocationReasons.SharingConflict, requested.Refusal!.Reason);
        Assert.Equal("cannot share 198.18.0.0: port 80/TCP is already used by default/a on that address", requested.Refusal.Message);
    }

    [Fact]
    public void Sharing_LocalTrafficPolicy_RequiresTheSamePods()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var app = new Dictionary<string, string> { ["app"] = "web" };
        var other = new Dictionary<string, string> { ["app"] = "db" };
        allocator.Assign(Svc("a", annotations: (ShareKey, "k")).WithPorts(80) with { ExternalTrafficPolicy = TrafficPolicy.Local, Selector = app });
        var same = allocator.Assign(Svc("b", annotations: (ShareKey, "k")).WithPorts(81) with { ExternalTrafficPolicy = TrafficPolicy.Local, Selector = app });
        Assert.Equal("198.18.0.0", same.Ips());
        var different = allocator.Assign(Svc("c", annotations: [(ShareKey, "k"), (IpsKey, "198.18.0.0")]).WithPorts(82) with { ExternalTrafficPolicy = TrafficPolicy.Local, Selector = other });
        Assert.Equal(AllocationReasons.SharingConflict, different.Refusal!.Reason);
        Assert.Contains("selects other pods", different.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharing_DifferentKey_IsInUse()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a", annotations: (ShareKey, "k1")));
        var r = allocator.Assign(Svc("b", annotations: [(ShareKey, "k2"), (IpsKey, "198.18.0.0")]).WithPorts(8080));
        Assert.Equal(AllocationReasons.RequestedIPInUse, r.Refusal!.Reason);
        Assert.Equal("198.18.0.0 is held by default/a under another sharing key", r.Refusal.Message);
    }

    [Fact]
    public void Sharing_PortChangeThatCollides_MovesOnlyTheChangedService()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a", annotations: (ShareKey, "k")).WithPorts(80));
        allocator.Assign(Svc("b", annotations: (ShareKey, "k")).WithPorts(81));
        var moved = allocator.Assign(Svc("b", annotations: (ShareKey, "k")).WithPorts(80));
        Assert.Equal("198.18.0.1", moved.Ips());
        Assert.Equal("198.18.0.0", allocator.Assign(Svc("a", annotations: (ShareKey, "k")).WithPorts(80)).Ips());
    }

    [Fact]
    public void Stability_DeletingAnotherService_MovesNothing()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a"));
        var b = allocator.Assign(Svc("b"));
        allocator.Release(new ServiceKey("default", "a"));
        var again = allocator.Assign(Svc("b"));
        Assert.Equal(b.Ips(), again.Ips());
        Assert.False(again.Changed);
    }

    [Fact]
    public void Stability_PoolEditMovesNothing_AndALeftoverAddressIsReportedNotMoved()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a"));
        var b = allocator.Assign(Svc("b"));
        var moved = allocator.SetPools(PoolConfiguration.Reconcile([new PoolSpec("lan", ["198.18.0.0-198.18.0.0", "198.18.7.0/28"], ServiceAllocation: new(Priority: 5))]));

        Assert.Equal([new ServiceKey("default", "b")], moved);
        var kept = allocator.Assign(Svc("b"));
        Assert.Equal(b.Ips(), kept.Ips());
        Assert.False(kept.Changed);
        var warning = Assert.Single(kept.Warnings);
        Assert.Equal(AllocationReasons.IPNotInAnyPool, warning.Reason);
        Assert.Equal([Ip("198.18.0.1")], kept.OutsidePools);
        Assert.Equal([Ip("198.18.0.1")], allocator.Orphans);
        Assert.Empty(allocator.Assign(Svc("a")).Warnings);
        Assert.Equal("198.18.7.0", allocator.Assign(Svc("c")).Ips());

        // Another edit that leaves every holder where it was reports nobody; covering the address again reports b.
        Assert.Empty(allocator.SetPools(PoolConfiguration.Reconcile([new PoolSpec("lan", ["198.18.0.0-198.18.0.0", "198.18.7.0/28"])])));
        Assert.Equal([new ServiceKey("default", "b")], allocator.SetPools(PoolConfiguration.Reconcile([new PoolSpec("lan", ["198.18.0.0/28", "198.18.7.0/28"])])));
        Assert.Empty(allocator.Assign(Svc("b")).OutsidePools);
    }

    [Fact]
    public void Stability_LeftoverAddressMovesWhenTheUserAsks()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]), new PoolSpec("wan", ["198.18.1.0/28"]));
        allocator.Assign(Svc("a"));
        allocator.SetPools(PoolConfiguration.Reconcile([new PoolSpec("wan", ["198.18.1.0/28"])]));
        Assert.Single(allocator.Assign(Svc("a")).Warnings);
        var moved = allocator.Assign(Svc("a", annotations: (PoolKey, "wan")));
        Assert.Equal("198.18.1.0", moved.Ips());
        Assert.Empty(moved.Warnings);
        Assert.Empty(allocator.Orphans);
    }

    [Fact]
    public void Refusal_KeepsWhatTheServiceHeld()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a"));
        allocator.Assign(Svc("b", annotations: (IpsKey, "198.18.0.5")));
        var r = allocator.Assign(Svc("a", annotations: (IpsKey, "198.18.0.5")));
        Assert.Equal(AllocationReasons.RequestedIPInUse, r.Refusal!.Reason);
        Assert.Equal("198.18.0.0", r.Ips());
        var bad = allocator.Assign(Svc("a", annotations: (IpsKey, "garbage")));
        Assert.Equal(AllocationReasons.InvalidAnnotation, bad.Refusal!.Reason);
        Assert.Equal("198.18.0.0", bad.Ips());
    }

    [Fact]
    public void Assign_ChangingRequestedIP_MovesAndFreesTheOld()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Assign(Svc("a"));
        var moved = allocator.Assign(Svc("a", annotations: (IpsKey, "198.18.0.9")));
        Assert.Equal("198.18.0.9", moved.Ips());
        Assert.Equal("198.18.0.0", allocator.Assign(Svc("b")).Ips());
    }

    [Fact]
    public void Relearn_RestoresState_BeforeNewAllocations()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        var relearned = allocator.Relearn(Svc("a"), [Ip("198.18.0.0")]);
        Assert.True(relearned.Succeeded);
        Assert.Equal("198.18.0.1", allocator.Assign(Svc("b")).Ips());
        var again = allocator.Assign(Svc("a"));
        Assert.Equal("198.18.0.0", again.Ips());
        Assert.False(again.Changed);
    }

    [Fact]
    public void Relearn_Conflict_IsRefused_AndOutOfPoolAddressWarns()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        allocator.Relearn(Svc("a"), [Ip("198.18.0.3")]);
        Assert.Equal(AllocationReasons.RequestedIPInUse, allocator.Relearn(Svc("b"), [Ip("198.18.0.3")]).Refusal!.Reason);
        var outside = allocator.Relearn(Svc("c"), [Ip("198.18.200.1")]);
        Assert.True(outside.Succeeded);
        Assert.Equal(AllocationReasons.IPNotInAnyPool, Assert.Single(outside.Warnings).Reason);
    }

    [Fact]
    public void Relearn_SharedAddress_UnderOneKey()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/28"]));
        Assert.True(allocator.Relearn(Svc("a", annotations: (ShareKey, "k")).WithPorts(80), [Ip("198.18.0.3")]).Succeeded);
        Assert.True(allocator.Relearn(Svc("b", annotations: (ShareKey, "k")).WithPorts(443), [Ip("198.18.0.3")]).Succeeded);
        Assert.Equal(2, allocator.HoldersOf(Ip("198.18.0.3")).Count);
    }

    [Fact]
    public void IPv6Cidr_NeverHandsOutItsSubnetRouterAnycastAddress_ARangeAndASlash127Do()
    {
        var allocator = WithPools(
            new PoolSpec("cidr", ["2001:db8:1::/120"], ServiceAllocation: new(Priority: 1)),
            new PoolSpec("range", ["2001:db8:2::-2001:db8:2::ff"], ServiceAllocation: new(Priority: 2)),
            new PoolSpec("p2p", ["2001:db8:3::/127"], ServiceAllocation: new(Priority: 3)));
        var v6 = Svc("a").DualStack(IPFamilyPolicy.SingleStack, IPFamily.IPv6);

        Assert.Equal("2001:db8:1::1", allocator.Assign(v6).Ips());
        Assert.Equal("2001:db8:2::", allocator.Assign(v6 with { Key = new("default", "b"), Annotations = new Dictionary<string, string> { [PoolKey] = "range" } }).Ips());
        Assert.Equal("2001:db8:3::", allocator.Assign(v6 with { Key = new("default", "c"), Annotations = new Dictionary<string, string> { [PoolKey] = "p2p" } }).Ips());
        var anycast = allocator.Assign(v6 with { Key = new("default", "d"), Annotations = new Dictionary<string, string> { [IpsKey] = "2001:db8:1::" } });
        Assert.Equal(AllocationReasons.RequestedIPNotInPool, anycast.Refusal?.Reason);
        Assert.Contains("Subnet-Router anycast", anycast.Refusal!.Message, StringComparison.Ordinal);

        // A Service that got the anycast address before keeps it, with the usual warning.
        var earlier = allocator.Relearn(v6 with { Key = new("default", "e") }, [Ip("2001:db8:1::")]);
        Assert.True(earlier.Succeeded);
        Assert.Equal(AllocationReasons.IPNotInAnyPool, Assert.Single(allocator.Assign(v6 with { Key = new("default", "e") }).Warnings).Reason);
    }

    [Fact]
    public void Usage_CountsPerFamilyAndSharedAddressesOnce()
    {
        var allocator = WithPools(new PoolSpec("lan", ["198.18.0.0/24", "2001:db8::/120"], AvoidBuggyIPs: true));
        allocator.Assign(Svc("a").DualStack(IPFamilyPolicy.RequireDualStack, IPFamily.IPv4, IPFamily.IPv6));
        Assert.Equal(new PoolUsage(254, 1), allocator.Usage("lan", IPFamily.IPv4));
        Assert.Equal(new PoolUsage(255, 1), allocator.Usage("lan", IPFamily.IPv6));
        Assert.Equal((UInt128)253, allocator.Usage("lan", IPFamily.IPv4).Available);
    }
}
