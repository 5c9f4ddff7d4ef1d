using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EdgeLB.Core.Addresses;

namespace EdgeLB.Benchmarks.Core;

/// <summary>
/// `hack/bench.sh core`: runs the core benchmarks and writes their figures as
/// {"metrics": {...}} for tracking over time.
/// </summary>
internal static class CoreSuite
{
    public static int Run(string outputPath)
    {
        // In process: generating and building a separate benchmark project each run exceeded
        // BenchmarkDotNet's two-minute build timeout on the shared machine, and no figure came out.
        var config = ManualConfig.Create(DefaultConfig.Instance)
            .AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(7).WithToolchain(InProcessEmitToolchain.Instance))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        var allocator = BenchmarkRunner.Run<AllocatorBenchmarks>(config);
        var election = BenchmarkRunner.Run<ElectionBenchmarks>(config);
        var frames = BenchmarkRunner.Run<Announce.FrameParseBenchmarks>(config);

        var metrics = new Dictionary<string, double>
        {
            ["allocate_release_ns_100k_v4"] = MeanNs(allocator, nameof(AllocatorBenchmarks.AllocateReleaseV4)),
            ["allocate_release_ns_100k_v6"] = MeanNs(allocator, nameof(AllocatorBenchmarks.AllocateReleaseV6)),
            ["elect_ns_1k_nodes"] = MeanNs(election, nameof(ElectionBenchmarks.Elect1kNodes)),
            ["balance_ms_10k_vips_100_nodes"] = MeanNs(election, nameof(ElectionBenchmarks.Balance10kVips100Nodes)) / 1e6,
            ["fill_pool_seconds_65k"] = FillSlash16Seconds(),
            ["parse_ns_arp"] = MeanNs(frames, nameof(Announce.FrameParseBenchmarks.Arp)),
            ["parse_ns_neighbor_advertisement"] = MeanNs(frames, nameof(Announce.FrameParseBenchmarks.NeighborAdvertisement)),
            ["parse_ns_neighbor_solicitation"] = MeanNs(frames, nameof(Announce.FrameParseBenchmarks.NeighborSolicitation)),
            ["parse_ns_zero_length_option"] = MeanNs(frames, nameof(Announce.FrameParseBenchmarks.ZeroLengthOption)),
            ["parse_bytes_allocated_max"] = frames.Reports.Max(r => r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0),
        };

        BenchOutput.Write(outputPath, metrics);
        return 0;
    }

    /// <summary>Allocating every address of a /16 one Service at a time; the median of three fills.</summary>
    private static double FillSlash16Seconds()
    {
        var runs = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var stopwatch = Stopwatch.StartNew();
            var allocator = AllocatorBenchmarks.Filled("198.18.0.0/16", IPFamily.IPv4, 65_536);
            stopwatch.Stop();
            if (allocator.AddressCount != 65_536)
            {
                throw new InvalidOperationException("the /16 was not filled");
            }

            runs.Add(stopwatch.Elapsed.TotalSeconds);
        }

        runs.Sort();
        return Math.Round(runs[1], 3);
    }

    private static double MeanNs(Summary summary, string method)
    {
        var report = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
        return Math.Round(report.ResultStatistics?.Mean ?? throw new InvalidOperationException($"{method} produced no result"), 1);
    }
}
