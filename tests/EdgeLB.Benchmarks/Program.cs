using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks.Core;

// `core <out.json>` runs one suite for hack/bench.sh; anything else goes to BenchmarkDotNet's own switcher.
return args switch
{
    ["core", var output] => CoreSuite.Run(output),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CoreSuite).Assembly).Run(args);
    return 0;
}
