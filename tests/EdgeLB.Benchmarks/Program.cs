using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks.Forwarding;

// Hidden mode for hack/bench/forward.sh: the forwarder as its own process inside the lab's
// forwarder namespace, so its CPU time and memory can be measured like HAProxy's.
if (args.Length > 0 && args[0] == "forward-host")
{
    return await ForwardHost.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
