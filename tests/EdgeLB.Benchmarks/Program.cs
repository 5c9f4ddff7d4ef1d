using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks.Announce;
using EdgeLB.Benchmarks.Control;
using EdgeLB.Benchmarks.Core;
using EdgeLB.Benchmarks.Rpc;

// A suite name runs that suite for hack/bench.sh; anything else goes to BenchmarkDotNet's own switcher.
return args switch
{
    ["core", var output] => CoreSuite.Run(output),
    ["announce", .. var rest] => await AnnounceBenchmark.RunAsync(rest),
    ["control", var edgelb, var output] => await ControlSuite.RunAsync(edgelb, output),
    ["rpc", .. var rest] => await RpcBench.RunAsync(rest),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CoreSuite).Assembly).Run(args);
    return 0;
}
