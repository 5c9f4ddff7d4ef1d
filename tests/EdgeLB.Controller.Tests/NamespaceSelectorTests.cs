using System.Text.Json.Nodes;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Controller.Tests;

/// <summary>Pools' <c>serviceAllocation.namespaceSelectors</c> match the labels of the Service's namespace.</summary>
public class NamespaceSelectorTests
{
    private static Task<IPAddressPool> CreateTeamPoolAsync(ControllerFixture lab, string name, string team, params string[] addresses) =>
        lab.Client.CreateAsync(Resources.IPAddressPools, new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "edgelb-system" },
            Spec = new IPAddressPoolSpec
            {
                Addresses = addresses,
                ServiceAllocation = new ServiceAllocation
                {
                    NamespaceSelectors = [new LabelSelector { MatchLabels = new Dictionary<string, string> { ["team"] = team } }],
                },
            },
        });

    private static Task<KubeNamespace> CreateNamespaceAsync(ControllerFixture lab, string name, IReadOnlyDictionary<string, string>? labels = null) =>
        lab.Client.CreateAsync(Resources.Namespaces, new KubeNamespace { Metadata = new ObjectMeta { Name = name, Labels = labels } });

    [Fact]
    public async Task ServiceInALabelledNamespace_DrawsFromThePoolThatSelectsIt()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await CreateTeamPoolAsync(lab, "web-pool", "web", "198.18.1.10-198.18.1.11");
        await CreateTeamPoolAsync(lab, "db-pool", "db", "198.18.2.10-198.18.2.11");
        await CreateNamespaceAsync(lab, "shop", new Dictionary<string, string> { ["team"] = "web" });
        await CreateNamespaceAsync(lab, "orders", new Dictionary<string, string> { ["team"] = "db" });
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("front", ns: "shop");
        await lab.CreateServiceAsync("store", ns: "orders");

        Assert.Equal("198.18.1.10", await lab.WaitForIpAsync("front", "shop"));
        Assert.Equal("198.18.2.10", await lab.WaitForIpAsync("store", "orders"));
    }

    [Fact]
    public async Task NoPoolSelectsTheNamespace_WarningEvent_ThenALabelAddedLater_GivesAnIp()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await CreateTeamPoolAsync(lab, "web-pool", "web", "198.18.1.10-198.18.1.11");
        await CreateNamespaceAsync(lab, "shop");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("front", ns: "shop");
        await lab.CreateServiceAsync("pinned", ns: "shop", annotations: new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = "web-pool" });

        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("front", "shop")).Any(e => e is { Type: "Warning", Reason: AllocationReasons.NoMatchingPool }), "NoMatchingPool event");
        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("pinned", "shop")).Any(e => e is { Type: "Warning", Reason: AllocationReasons.PoolNotAllowed }), "PoolNotAllowed event");
        Assert.Null(ControllerFixture.IngressIp(await lab.GetServiceAsync("front", "shop")));

        await lab.Client.PatchAsync(Resources.Namespaces, null, "shop", PatchType.Merge, JsonNode.Parse("""{"metadata":{"labels":{"team":"web"}}}""")!);
        var front = await lab.WaitForIpAsync("front", "shop");
        var pinned = await lab.WaitForIpAsync("pinned", "shop");
        Assert.Equal(["198.18.1.10", "198.18.1.11"], new[] { front, pinned }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task LabelRemovedLater_TheServiceKeepsItsIp()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await CreateTeamPoolAsync(lab, "web-pool", "web", "198.18.1.10");
        await CreateNamespaceAsync(lab, "shop", new Dictionary<string, string> { ["team"] = "web" });
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("front", ns: "shop");
        var ip = await lab.WaitForIpAsync("front", "shop");

        await lab.Client.PatchAsync(Resources.Namespaces, null, "shop", PatchType.Merge, JsonNode.Parse("""{"metadata":{"labels":{"team":null}}}""")!);

        // The label change reaches the controller; a new Service in the namespace is refused, the old one keeps its IP.
        await lab.CreateServiceAsync("late", ns: "shop");
        await Eventually.TrueAsync(async () => (await lab.EventsForAsync("late", "shop")).Any(e => e.Reason == AllocationReasons.NoMatchingPool), "late is refused");
        Assert.Equal(ip, ControllerFixture.IngressIp(await lab.GetServiceAsync("front", "shop")));
    }
}
