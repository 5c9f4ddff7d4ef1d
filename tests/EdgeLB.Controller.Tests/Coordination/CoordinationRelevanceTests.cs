using EdgeLB.Controller.Coordination;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Which informer changes make the coordinator plan again.</summary>
public sealed class CoordinationRelevanceTests
{
    private static readonly ControllerOptions Options = new();

    private static readonly Service WithAddress = new()
    {
        Metadata = new ObjectMeta { Name = "a", Namespace = "default", Annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "pool-a" } },
        Spec = new ServiceSpec { Type = "LoadBalancer", Ports = [new Kubernetes.Models.ServicePort { Port = 80, NodePort = 30001 }] },
        Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = "198.18.0.10" }] } },
    };

    private static readonly Service WithoutAddress = WithAddress with { Status = null };

    private static Service Annotated(Service s, string key, string value) =>
        s with { Metadata = s.Metadata with { Annotations = new Dictionary<string, string>(s.Metadata.Annotations!) { [key] = value } } };

    [Fact]
    public void AServiceWithoutAnAddressDoesNotMatterUntilItGetsOne()
    {
        Assert.False(CoordinationRelevance.ServiceChanged(null, WithoutAddress, Options));
        Assert.False(CoordinationRelevance.ServiceChanged(WithoutAddress, WithoutAddress with { Spec = WithoutAddress.Spec! with { ExternalTrafficPolicy = "Local" } }, Options));
        Assert.False(CoordinationRelevance.ServiceChanged(WithoutAddress, null, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithoutAddress, WithAddress, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, WithoutAddress, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(null, WithAddress, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, null, Options));
    }

    [Fact]
    public void OurOwnConditionAndOtherAnnotationsDoNotMatter()
    {
        var condition = WithAddress with
        {
            Status = WithAddress.Status! with { Conditions = [new Condition { Type = "edgelb.io/Announced", Status = "False", Reason = "NoEligibleNode", Message = "no nodes" }] },
        };

        Assert.False(CoordinationRelevance.ServiceChanged(WithAddress, condition, Options));
        Assert.False(CoordinationRelevance.ServiceChanged(WithAddress, Annotated(WithAddress, "example.com/other", "x"), Options));
    }

    [Fact]
    public void WhatTheGroupsAreBuiltFromMatters()
    {
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, WithAddress with { Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = "198.18.0.11" }] } } }, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, WithAddress with { Spec = WithAddress.Spec! with { SessionAffinity = "ClientIP" } }, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, WithAddress with { Spec = WithAddress.Spec! with { Type = "ClusterIP" } }, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, WithAddress with { Metadata = WithAddress.Metadata with { DeletionTimestamp = DateTimeOffset.UnixEpoch } }, Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, Annotated(WithAddress, ServiceAnnotations.AllocatedFromPool, "pool-b"), Options));
        Assert.True(CoordinationRelevance.ServiceChanged(WithAddress, Annotated(WithAddress, ServiceAnnotations.AnnouncingNode, "node-1,eth0,3"), Options));
    }

    [Fact]
    public void APoolMattersByItsLabelsNotItsStatus()
    {
        var pool = new IPAddressPool { Metadata = new ObjectMeta { Name = "p", Namespace = "edgelb-system", Labels = new Dictionary<string, string> { ["zone"] = "a" } }, Spec = new IPAddressPoolSpec { Addresses = ["198.18.0.0/24"] } };

        Assert.False(CoordinationRelevance.PoolChanged(pool, pool with { Status = new IPAddressPoolStatus() }));
        Assert.True(CoordinationRelevance.PoolChanged(pool, pool with { Metadata = pool.Metadata with { Labels = new Dictionary<string, string> { ["zone"] = "b" } } }));
    }
}
