using System.Net;

namespace EdgeLB.E2E;

/// <summary>The controller's side, seen through the API as a user sees it: addresses, sharing, requests, exhaustion.</summary>
[Collection(E2EGroup.Name)]
public sealed class AllocationTests(E2EFixture e2e)
{
    [E2EFact]
    public async Task ServiceGetsAnIPv4AddressFromThePool()
    {
        var name = E2EFixture.Unique("alloc4");
        try
        {
            var ips = await e2e.CreateServiceAsync(name, [80]);
            var ip = IPAddress.Parse(ips[0]);
            Assert.Equal(System.Net.Sockets.AddressFamily.InterNetwork, ip.AddressFamily);
            Assert.StartsWith(e2e.Prefix4 + ".", ips[0], StringComparison.Ordinal);
            var last = int.Parse(ips[0].Split('.')[3], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(last, 100, 149);
            Assert.Equal("lab", await e2e.Kubectl.ServiceAnnotationAsync("default", name, "edgelb.io/ip-allocated-from-pool"));
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    [E2EFact]
    public async Task IPv6ServiceGetsAnIPv6AddressFromThePool()
    {
        var name = E2EFixture.Unique("alloc6");
        try
        {
            var ips = await e2e.CreateServiceAsync(name, [80], "  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv6]");
            var ip = IPAddress.Parse(ips[0]);
            Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, ip.AddressFamily);
            Assert.StartsWith(e2e.Prefix6 + "::1", ips[0], StringComparison.Ordinal);
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    [E2EFact]
    public async Task TwoServicesShareOneAddressOnDifferentPorts()
    {
        var (a, b) = (E2EFixture.Unique("share-a"), E2EFixture.Unique("share-b"));
        var ip = $"{e2e.Prefix4}.140";
        var annotations = $"edgelb.io/allow-shared-ip: e2e-share, edgelb.io/load-balancer-ips: \"{ip}\"";
        try
        {
            var first = await e2e.CreateServiceAsync(a, [80], annotations: annotations);
            var second = await e2e.CreateServiceAsync(b, [8080], annotations: annotations);
            Assert.Equal([ip], first);
            Assert.Equal([ip], second);
        }
        finally
        {
            await e2e.DeleteServiceAsync(a);
            await e2e.DeleteServiceAsync(b);
        }
    }

    [E2EFact]
    public async Task RequestedAddressIsTheOneAssigned()
    {
        var name = E2EFixture.Unique("req");
        var ip = $"{e2e.Prefix4}.133";
        try
        {
            Assert.Equal([ip], await e2e.CreateServiceAsync(name, [80], annotations: $"edgelb.io/load-balancer-ips: \"{ip}\""));
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    [E2EFact]
    public async Task ExhaustedPoolWarnsThenAssignsWhenAnAddressIsFreed()
    {
        var pool = E2EFixture.Unique("tiny");
        var (first, _) = e2e.TakeBlock();
        var (holder, waiter) = (E2EFixture.Unique("holder"), E2EFixture.Unique("waiter"));
        await e2e.Kubectl.ApplyAsync($"""
            apiVersion: edgelb.io/v1alpha1
            kind: IPAddressPool
            metadata: {"{"}name: {pool}, namespace: edgelb-system{"}"}
            spec:
              addresses: ["{first}/32"]
              autoAssign: false
            """);
        try
        {
            Assert.Equal([first], await e2e.CreateServiceAsync(holder, [80], annotations: $"edgelb.io/address-pool: {pool}"));
            await Assert.ThrowsAsync<TimeoutException>(() => CreateWithoutWaitingAsync(waiter, pool));
            Assert.Empty(await e2e.Kubectl.IngressAsync("default", waiter));
            Assert.Contains("PoolExhausted", await e2e.WarningReasonsAsync(waiter));

            await e2e.DeleteServiceAsync(holder);
            var freed = await e2e.Kubectl.WaitForIngressAsync("default", waiter, TimeSpan.FromSeconds(60));
            Assert.Equal([first], freed);
        }
        finally
        {
            await e2e.DeleteServiceAsync(holder);
            await e2e.DeleteServiceAsync(waiter);
            await e2e.Kubectl.TryRunAsync("delete", "ipaddresspool", pool, "-n", "edgelb-system", "--ignore-not-found");
        }
    }

    /// <summary>Creates the Service and waits a while for an IP that must not come (the pool is full): a TimeoutException is the expected outcome.</summary>
    private async Task CreateWithoutWaitingAsync(string name, string pool)
    {
        await e2e.Kubectl.ApplyAsync($"""
            apiVersion: v1
            kind: Service
            metadata: {"{"}name: {name}, namespace: default, annotations: {"{"}edgelb.io/address-pool: {pool}{"}"}{"}"}
            spec:
              type: LoadBalancer
              ports: [{"{"}port: 80, targetPort: 8080{"}"}]
            """);
        var ips = await e2e.Kubectl.WaitForIngressAsync("default", name, TimeSpan.FromSeconds(5));
        if (ips is null)
        {
            // The controller must also have said why; give the Event a moment to be written.
            for (var i = 0; i < 50 && !(await e2e.WarningReasonsAsync(name)).Contains("PoolExhausted", StringComparer.Ordinal); i++)
            {
                await Task.Delay(200);
            }

            throw new TimeoutException("no address, as expected");
        }
    }
}
