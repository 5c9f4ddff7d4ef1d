using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks.Rpc;

if (args.Length > 0 && args[0] == "rpc")
{
    return await RpcBench.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(RpcBench).Assembly).Run(args);
return 0;
