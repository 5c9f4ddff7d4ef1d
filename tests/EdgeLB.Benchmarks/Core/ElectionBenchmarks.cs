using BenchmarkDotNet.Attributes;
using EdgeLB.Core.Election;

namespace EdgeLB.Benchmarks.Core;

/// <summary>Choosing the announcer of one address among 1,000 nodes, and balancing 10,000 addresses over 100 nodes.</summary>
[MemoryDiagnoser]
public class ElectionBenchmarks
{
    private List<ElectionCandidate> _thousandNodes = null!;
    private List<ElectionItem> _tenThousandVips = null!;

    [GlobalSetup]
    public void Setup()
    {
        _thousandNodes = [.. Enumerable.Range(0, 1000).Select(i => new ElectionCandidate($"node-{i}"))];
        var hundred = _thousandNodes.Take(100).ToList();
        _tenThousandVips = [.. Enumerable.Range(0, 10_000).Select(i => new ElectionItem($"198.18.{i / 256}.{i % 256}", hundred))];
    }

    [Benchmark]
    public string? Elect1kNodes() => AnnouncerElection.Elect("198.18.7.9", _thousandNodes);

    [Benchmark]
    public int Balance10kVips100Nodes() => AnnouncerBalancer.Assign(_tenThousandVips).Count;
}
