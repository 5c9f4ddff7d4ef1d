using BenchmarkDotNet.Attributes;
using EdgeLB.Core.Addresses;
using EdgeLB.Core.Allocation;
using EdgeLB.Core.Pools;

namespace EdgeLB.Benchmarks.Core;

/// <summary>One allocate plus one release with 100,000 Services already holding addresses.</summary>
[MemoryDiagnoser]
public class AllocatorBenchmarks
{
    private Allocator _v4 = null!;
    private Allocator _v6 = null!;
    private ServiceRequest _probeV4 = null!;
    private ServiceRequest _probeV6 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _v4 = Filled("198.16.0.0/12", IPFamily.IPv4, 100_000);
        _v6 = Filled("2001:db8:0:1::/64", IPFamily.IPv6, 100_000);
        _probeV4 = Service("probe", IPFamily.IPv4);
        _probeV6 = Service("probe", IPFamily.IPv6);
    }

    [Benchmark]
    public void AllocateReleaseV4()
    {
        _v4.Assign(_probeV4);
        _v4.Release(_probeV4.Key);
    }

    [Benchmark]
    public void AllocateReleaseV6()
    {
        _v6.Assign(_probeV6);
        _v6.Release(_probeV6.Key);
    }

    internal static Allocator Filled(string cidr, IPFamily family, int services)
    {
        var allocator = new Allocator(PoolConfiguration.Reconcile([new PoolSpec("bench", [cidr])]));
        for (var i = 0; i < services; i++)
        {
            var result = allocator.Assign(Service($"s{i}", family));
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"setup failed at {i}: {result.Refusal}");
            }
        }

        return allocator;
    }

    internal static ServiceRequest Service(string name, IPFamily family) => new()
    {
        Key = new ServiceKey("bench", name),
        IPFamilies = [family],
        Ports = [new ServicePort("TCP", 80)],
    };
}
