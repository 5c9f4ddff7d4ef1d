using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks.Announce;
using EdgeLB.Benchmarks.Chaos;
using EdgeLB.Benchmarks.Control;
using EdgeLB.Benchmarks.Coordination;
using EdgeLB.Benchmarks.Core;
using EdgeLB.Benchmarks.Failover;
using EdgeLB.Benchmarks.Forwarding;
using EdgeLB.Benchmarks.Rpc;

// A suite name runs that suite for hack/bench.sh; anything else goes to BenchmarkDotNet's own switcher.
// forward-host is the forwarder as its own process inside the lab's forwarder namespace, so its
// CPU time and memory can be measured like HAProxy's.
return args switch
{
    ["core", var output] => CoreSuite.Run(output),
    ["announce", .. var rest] => await AnnounceBenchmark.RunAsync(rest),
    ["control", var edgelb, var output] => await ControlSuite.RunAsync(edgelb, output),
    ["coordinator", var edgelb, var output] => await CoordinatorSuite.RunAsync(edgelb, output),
    ["coordinator", var edgelb, var output, var speakers, var services] => await CoordinatorSuite.RunAsync(edgelb, output, int.Parse(speakers, System.Globalization.CultureInfo.InvariantCulture), int.Parse(services, System.Globalization.CultureInfo.InvariantCulture)),
    ["rpc", .. var rest] => await RpcBench.RunAsync(rest),
    ["forward-host", .. var rest] => await ForwardHost.RunAsync(rest),
    ["vip-bind", .. var rest] => await VipBindBench.RunAsync(rest),
    ["failover", .. var rest] => await FailoverSuite.RunAsync(rest),
    ["chaos", .. var rest] => await ChaosSuite.RunAsync(rest),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CoreSuite).Assembly).Run(args);
    return 0;
}
