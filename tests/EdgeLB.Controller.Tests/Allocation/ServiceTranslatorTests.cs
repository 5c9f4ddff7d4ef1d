using EdgeLB.Controller.Allocation;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using KubePort = EdgeLB.Kubernetes.Models.ServicePort;

namespace EdgeLB.Controller.Tests.Allocation;

public sealed class ServiceTranslatorTests
{
    private static readonly Service Base = new()
    {
        Metadata = new ObjectMeta
        {
            Name = "web",
            Namespace = "shop",
            Uid = "uid-1",
            ResourceVersion = "10",
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            Annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "default" },
        },
        Spec = new ServiceSpec { Type = "LoadBalancer", Ports = [new KubePort { Port = 80, Protocol = "TCP" }] },
        Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = "198.18.0.10", IpMode = "VIP" }] } },
    };

    [Fact]
    public void CoordinatorWrites_ChangeNothingTheAllocatorReads()
    {
        var announced = Base with
        {
            Metadata = Base.Metadata with
            {
                ResourceVersion = "11",
                Annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "default", [ServiceAnnotations.AnnouncingNode] = "node-1,eth0,3" },
            },
            Status = Base.Status! with { Conditions = [new Condition { Type = "edgelb.io/Announced", Status = "False", Reason = "NoEligibleNode" }] },
        };
        Assert.True(ServiceTranslator.SameAllocationInputs(Base, announced));
        Assert.True(ServiceTranslator.SameAllocationInputs(announced, Base));
    }

    [Fact]
    public void NotInAnyPoolNote_IsOursAndNotReadByTheAllocator_ButAnotherAnnotationIs()
    {
        var noted = Base with
        {
            Metadata = Base.Metadata with
            {
                Annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "default", [ServiceAnnotations.NotInAnyPool] = "198.18.0.10" },
            },
        };
        Assert.True(ServiceTranslator.SameAllocationInputs(Base, noted));
        Assert.True(ServiceTranslator.SameAllocationInputs(noted, Base));
        var named = noted with
        {
            Metadata = noted.Metadata with
            {
                Annotations = new Dictionary<string, string>(noted.Metadata.Annotations!) { [ServiceAnnotations.AddressPool] = "lan" },
            },
        };
        Assert.False(ServiceTranslator.SameAllocationInputs(noted, named));
    }

    [Fact]
    public void ChangesTheAllocatorReads_AreSeen()
    {
        Service[] changed =
        [
            Base with { Metadata = Base.Metadata with { Uid = "uid-2" } },
            Base with { Metadata = Base.Metadata with { DeletionTimestamp = DateTimeOffset.UnixEpoch } },
            Base with { Metadata = Base.Metadata with { Labels = new Dictionary<string, string> { ["app"] = "api" } } },
            Base with { Metadata = Base.Metadata with { Annotations = null } },
            Base with { Metadata = Base.Metadata with { Annotations = new Dictionary<string, string> { [ServiceAnnotations.AllocatedFromPool] = "default", [ServiceAnnotations.AddressPool] = "other" } } },
            Base with { Spec = Base.Spec! with { Ports = [new KubePort { Port = 443, Protocol = "TCP" }] } },
            Base with { Spec = Base.Spec! with { LoadBalancerClass = "example.com/other" } },
            Base with { Status = new ServiceStatus() },
            Base with { Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [new LoadBalancerIngress { Ip = "198.18.0.10", IpMode = "Proxy" }] } } },
        ];
        Assert.All(changed, c => Assert.False(ServiceTranslator.SameAllocationInputs(Base, c)));
    }
}
