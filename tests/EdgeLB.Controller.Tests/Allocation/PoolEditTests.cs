using System.Text.Json.Nodes;
using EdgeLB.Core.Allocation;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;

namespace EdgeLB.Controller.Tests.Allocation;

/// <summary>Pool edits as an operator makes them, seen through the API: pool status, Service annotations and Events.</summary>
public class PoolEditTests
{
    private const string Ns = "edgelb-system";

    [Fact]
    public async Task ShrinkingOrDeletingAPool_WarnsEachAffectedServiceAtOnce_WhichKeepsItsAddress()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.103");
        await lab.StartControllerAsync();
        await lab.CreateServiceAsync("web");
        Assert.Equal("198.18.0.100", await lab.WaitForIpAsync("web"));
        await lab.CreateServiceAsync("api");
        Assert.Equal("198.18.0.101", await lab.WaitForIpAsync("api"));

        // Shrink: only web's address leaves the pool. Nothing about the Services changes.
        await PatchAddressesAsync(lab, "lan", "198.18.0.101-198.18.0.103");
        await Eventually.TrueAsync(async () => Outside(await lab.GetServiceAsync("web")) == "198.18.0.100", "web annotated as outside every pool");
        await Eventually.TrueAsync(async () => (await NotInAnyPoolEventsAsync(lab, "web")).Count > 0, "IPNotInAnyPool Warning on web");
        var warning = (await NotInAnyPoolEventsAsync(lab, "web"))[0];
        Assert.Equal("Warning", warning.Type);
        Assert.Contains("198.18.0.100", warning.Message, StringComparison.Ordinal);
        Assert.Equal("198.18.0.100", ControllerFixture.IngressIp(await lab.GetServiceAsync("web")));
        var api = await lab.GetServiceAsync("api");
        Assert.Null(Outside(api));
        Assert.Empty(await NotInAnyPoolEventsAsync(lab, "api"));

        // Delete: api's address leaves too; both keep their addresses.
        await lab.Client.DeleteAsync(Resources.IPAddressPools, Ns, "lan");
        await Eventually.TrueAsync(async () => Outside(await lab.GetServiceAsync("api")) == "198.18.0.101", "api annotated as outside every pool");
        await Eventually.TrueAsync(async () => (await NotInAnyPoolEventsAsync(lab, "api")).Count > 0, "IPNotInAnyPool Warning on api");
        Assert.Equal("198.18.0.101", ControllerFixture.IngressIp(await lab.GetServiceAsync("api")));
        Assert.Equal("198.18.0.100", ControllerFixture.IngressIp(await lab.GetServiceAsync("web")));

        // The pool comes back: the notes go, and a new Service gets neither kept address.
        await lab.CreatePoolAsync("lan", "198.18.0.100-198.18.0.103");
        await Eventually.TrueAsync(
            async () => Outside(await lab.GetServiceAsync("web")) is null && Outside(await lab.GetServiceAsync("api")) is null,
            "annotations removed once a pool covers the addresses again");
        await lab.CreateServiceAsync("later");
        Assert.Equal("198.18.0.102", await lab.WaitForIpAsync("later"));
    }

    [Fact]
    public async Task TyposInNewPools_AreRefusedAlone_AndThePoolInUseStaysValid_AlsoAfterARestart()
    {
        await using var lab = await ControllerFixture.StartAsync();
        await lab.CreatePoolAsync("aaa-older", "198.18.9.0/28");
        await lab.CreatePoolAsync("prod", "198.18.2.10-198.18.2.20", "2001:db8:3::/120");
        var controller = await lab.StartControllerAsync();
        await lab.CreateServiceAsync("web", annotations: new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = "prod" });
        Assert.Equal("198.18.2.10", await lab.WaitForIpAsync("web"));

        // An older pool edited onto prod's addresses: refused, its last valid version stays.
        await PatchAddressesAsync(lab, "aaa-older", "198.18.2.15-198.18.2.30");
        await Eventually.TrueAsync(async () => ValidOf(await PoolAsync(lab, "aaa-older")) is { Status: "False" }, "the older pool's edit refused");

        await lab.CreatePoolAsync("typo1", "198.18.2.0-198.18.2.10");
        await lab.CreatePoolAsync("typo2", "2001:db8:2:1::-2001:db8:3::5");
        await Eventually.TrueAsync(async () => ValidOf(await PoolAsync(lab, "typo1")) is { Status: "False" } && ValidOf(await PoolAsync(lab, "typo2")) is { Status: "False" }, "typos refused");
        Assert.Contains(
            "198.18.2.0-198.18.2.10 of pool \"typo1\" overlaps 198.18.2.10-198.18.2.20 of pool \"prod\" in 198.18.2.10",
            ValidOf(await PoolAsync(lab, "typo1"))!.Message,
            StringComparison.Ordinal);
        await Eventually.TrueAsync(
            async () => (await lab.EventsForAsync("typo2", Ns)).Any(e => e.Reason == "InvalidConfiguration" && e.Message!.Contains("of pool \"prod\" in 2001:db8:3::-2001:db8:3::5", StringComparison.Ordinal)),
            "InvalidConfiguration Event on typo2 naming prod and the common range");
        await AssertProdInForceAsync(lab, "named1");

        // A new leader starts with no memory of the pools in force. By age and name the older pool
        // would win; prod's status (Valid=True for its generation) carries its standing over.
        await lab.StopControllerAsync(controller);
        await lab.StartControllerAsync("controller-b");
        await lab.CreateServiceAsync("after-restart");
        Assert.NotNull(await lab.WaitForIpAsync("after-restart"));
        await AssertProdInForceAsync(lab, "named2");
        Assert.Equal("198.18.2.10", ControllerFixture.IngressIp(await lab.GetServiceAsync("web")));
        Assert.Empty(await NotInAnyPoolEventsAsync(lab, "web"));
        Assert.Equal("False", ValidOf(await PoolAsync(lab, "typo1"))!.Status);
        await Eventually.TrueAsync(
            async () => ValidOf(await PoolAsync(lab, "aaa-older")) is { Status: "False" } c && c.Message!.Contains("the pool is not in use", StringComparison.Ordinal),
            "the older pool stays refused and, its last valid version forgotten, out of use");
    }

    private static async Task AssertProdInForceAsync(ControllerFixture lab, string service)
    {
        await lab.CreateServiceAsync(service, annotations: new Dictionary<string, string> { [ServiceAnnotations.AddressPool] = "prod" });
        Assert.StartsWith("198.18.2.", await lab.WaitForIpAsync(service), StringComparison.Ordinal);
        await Eventually.TrueAsync(
            async () => ValidOf(await PoolAsync(lab, "prod")) is { Status: "True" } && (await PoolAsync(lab, "prod")).Status?.AvailableIPv4 > 0,
            "prod Valid=True with addresses available");
        Assert.DoesNotContain(await lab.EventsForAsync("prod", Ns), e => e.Reason == "InvalidConfiguration");
    }

    private static Task<IPAddressPool> PatchAddressesAsync(ControllerFixture lab, string pool, params string[] addresses) =>
        lab.Client.PatchAsync(Resources.IPAddressPools, Ns, pool, PatchType.Merge, new JsonObject
        {
            ["spec"] = new JsonObject { ["addresses"] = new JsonArray([.. addresses.Select(a => (JsonNode)a)]) },
        });

    private static Task<IPAddressPool> PoolAsync(ControllerFixture lab, string name) => lab.Client.GetAsync(Resources.IPAddressPools, Ns, name);

    private static Condition? ValidOf(IPAddressPool pool) => pool.Status?.Conditions?.FirstOrDefault(c => c.Type == "Valid");

    private static string? Outside(Service service) => service.Metadata.Annotations?.GetValueOrDefault(ServiceAnnotations.NotInAnyPool);

    private static async Task<List<KubeEvent>> NotInAnyPoolEventsAsync(ControllerFixture lab, string service) =>
        [.. (await lab.EventsForAsync(service)).Where(e => e.Reason == AllocationReasons.IPNotInAnyPool)];
}
