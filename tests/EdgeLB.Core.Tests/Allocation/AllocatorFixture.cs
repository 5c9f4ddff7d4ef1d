using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;

namespace EdgeLB.Core.Tests.Allocation;

/// <summary>Small builders so each allocator test reads as the rule it checks.</summary>
internal static class AllocatorFixture
{
    public static Allocator WithPools(params PoolSpec[] pools)
    {
        var config = PoolConfiguration.Reconcile(pools);
        Assert.Empty(config.Problems);
        return new Allocator(config);
    }

    public static ServiceRequest Svc(string name, string ns = "default", params (string Key, string Value)[] annotations) => new()
    {
        Key = new ServiceKey(ns, name),
        Annotations = annotations.ToDictionary(a => a.Key, a => a.Value),
        Ports = [new ServicePort("TCP", 80)],
    };

    public static ServiceRequest WithPorts(this ServiceRequest s, params int[] ports) =>
        s with { Ports = [.. ports.Select(p => new ServicePort("TCP", p))] };

    public static ServiceRequest DualStack(this ServiceRequest s, IPFamilyPolicy policy, params IPFamily[] families) =>
        s with { IPFamilyPolicy = policy, IPFamilies = families };

    public static string Ips(this AllocationResult r) => string.Join(",", r.Addresses);

    public static IPValue Ip(string s) => IPValue.Parse(s);
}
