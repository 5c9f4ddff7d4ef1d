using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks.Announce;

// "announce" is a measurement in a network-namespace lab, not a BenchmarkDotNet suite.
if (args is ["announce", .. var rest])
{
    return await AnnounceBenchmark.RunAsync(rest);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
