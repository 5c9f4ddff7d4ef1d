using BenchmarkDotNet.Running;
using EdgeLB.Benchmarks;
using EdgeLB.Benchmarks.Announce;
using EdgeLB.Benchmarks.Chaos;
using EdgeLB.Benchmarks.Control;
using EdgeLB.Benchmarks.Coordination;
using EdgeLB.Benchmarks.Core;
using EdgeLB.Benchmarks.Failover;
using EdgeLB.Benchmarks.Forwarding;
using EdgeLB.Benchmarks.Hostile;
using EdgeLB.Benchmarks.Rpc;

// A suite name runs that suite for hack/bench.sh; anything else goes to BenchmarkDotNet's own switcher.
// forward-host is the forwarder as its own process inside the lab's forwarder namespace, so its
// CPU time and memory can be measured like HAProxy's.
return args switch
{
    ["core", var output] => CoreSuite.Run(output),
    ["announce", .. var rest] => await AnnounceBenchmark.RunAsync(rest),
    ["control", var edgelb, var output] => await ControlSuite.RunAsync(edgelb, output),
    ["pending-storm", var edgelb, var output] => await PendingStormOnly(edgelb, output),
    ["coordinator", var edgelb, var output] => await CoordinatorSuite.RunAsync(edgelb, output),
    ["coordinator", var edgelb, var output, var speakers, var services] => await CoordinatorSuite.RunAsync(edgelb, output, int.Parse(speakers, System.Globalization.CultureInfo.InvariantCulture), int.Parse(services, System.Globalization.CultureInfo.InvariantCulture)),
    ["hostile", var edgelb, var output] => await HostileSessionsSuite.RunAsync(edgelb, output),
    ["hostile", var edgelb, var output, var sessions, var waves] => await HostileSessionsSuite.RunAsync(edgelb, output, int.Parse(sessions, System.Globalization.CultureInfo.InvariantCulture), int.Parse(waves, System.Globalization.CultureInfo.InvariantCulture)),
    ["rpc", .. var rest] => await RpcBench.RunAsync(rest),
    ["forward-host", .. var rest] => await ForwardHost.RunAsync(rest),
    ["vip-bind", .. var rest] => await VipBindBench.RunAsync(rest),
    ["failover", .. var rest] => await FailoverSuite.RunAsync(rest),
    ["chaos", .. var rest] => await ChaosSuite.RunAsync(rest),
    _ => Run(args),
};

// The control suite's pending-storm scenario alone, for measuring it without the 10,000 Services.
static async Task<int> PendingStormOnly(string edgelb, string output)
{
    BenchOutput.Write(output, await PendingStormScenario.RunAsync(edgelb));
    return 0;
}

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(CoreSuite).Assembly).Run(args);
    return 0;
}
