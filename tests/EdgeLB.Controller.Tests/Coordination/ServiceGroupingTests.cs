using EdgeLB.Controller.Coordination;
using EdgeLB.Kubernetes.Models;

namespace EdgeLB.Controller.Tests.Coordination;

/// <summary>Derived inputs built again after a change take over what did not change, and only that.</summary>
public sealed class ServiceGroupingTests
{
    private static readonly ControllerOptions Options = new();

    private static Service Svc(string name, params string[] ips) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new ServiceSpec { Type = "LoadBalancer", Ports = [new Kubernetes.Models.ServicePort { Port = 80, NodePort = 30001 }] },
        Status = new ServiceStatus { LoadBalancer = new LoadBalancerStatus { Ingress = [.. ips.Select(ip => new LoadBalancerIngress { Ip = ip })] } },
    };

    private static DerivedInputs Derive(DerivedInputs? previous, params Service[] services) =>
        DerivedInputs.From(new CoordinationInputs([], services, [], [], []), Options, previous);

    [Fact]
    public void AnUnchangedServiceKeepsItsGroupAndAChangedOneIsBuiltAgain()
    {
        var a = Svc("a", "198.18.0.10");
        var b = Svc("b", "198.18.0.11");
        var first = Derive(null, a, b);

        var movedB = Svc("b", "198.18.0.12");
        var second = Derive(first, a, movedB);

        Assert.Same(first.GroupsByKey["198.18.0.10"], second.GroupsByKey["198.18.0.10"]);
        Assert.False(second.GroupsByKey.ContainsKey("198.18.0.11"));
        Assert.Equal(["default/b"], second.GroupsByKey["198.18.0.12"].Services);
    }

    [Fact]
    public void AServiceThatNowSharesAnAddressJoinsTheGroupOfTheUnchangedOne()
    {
        var a = Svc("a", "198.18.0.10");
        var first = Derive(null, a);

        var second = Derive(first, a, Svc("b", "198.18.0.10", "2001:db8::10"));

        var shared = Assert.Single(second.Groups);
        Assert.Equal(["default/a", "default/b"], shared.Services);
        Assert.Equal(2, shared.Addresses.Count);
        Assert.NotSame(first.Groups[0], shared);

        // Once b is gone, a is on its own again.
        var third = Derive(second, a);
        Assert.Equal(["default/a"], Assert.Single(third.Groups).Services);
    }

    [Fact]
    public void AServiceThatLostItsAddressesOrIsGoneHasNoGroup()
    {
        var a = Svc("a", "198.18.0.10");
        var b = Svc("b", "198.18.0.11");
        var first = Derive(null, a, b);

        var second = Derive(first, Svc("a"));

        Assert.Empty(second.Groups);
        Assert.Empty(second.SingleServiceGroups);
    }

    [Fact]
    public void TheAnnouncedHolderIsReadFromATakenOverGroupToo()
    {
        var a = Svc("a", "198.18.0.10");
        var first = Derive(null, a);
        var annotated = a with { Metadata = a.Metadata with { Annotations = new Dictionary<string, string> { [Core.Allocation.ServiceAnnotations.AnnouncingNode] = "node-1,eth0,7" } } };

        var second = Derive(first, annotated);

        Assert.Equal(new AnnouncingAnnotation("node-1", "eth0", 7), second.Annotated["198.18.0.10"]);
    }
}
