using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Forwarding;

namespace EdgeLB.Benchmarks.Forwarding;

/// <summary>
/// Time to put a VIP on the VIP interface and take it off again, the way the binder did it before
/// (an <c>ip addr replace/del</c> process per change) and the way it does now (rtnetlink), for
/// hack/bench/vipbind.sh. Run it inside a throw-away network namespace: it creates the interface
/// there and changes nothing else.
///   vip-bind --output PATH [--rounds N] [--interface NAME] [--vip4 IP] [--vip6 IP]
/// Each round adds and removes one IPv4 and one IPv6 VIP both ways, in turn, so machine load falls
/// on both alike. Figures are medians and 90th percentiles in milliseconds.
/// </summary>
internal static class VipBindBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Option(string name, string fallback)
        {
            var i = Array.IndexOf(args, "--" + name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        var output = Option("output", "artifacts/bench/vipbind.json");
        var rounds = int.Parse(Option("rounds", "50"), CultureInfo.InvariantCulture);
        var options = new ForwardingOptions { InterfaceName = Option("interface", "edgelb0"), ManageSysctls = false };
        IPAddress[] vips = [IPAddress.Parse(Option("vip4", "198.18.254.77")), IPAddress.Parse(Option("vip6", "2001:db8:fe::77"))];
        var link = options.InterfaceName;

        var runner = new ProcessCommandRunner();
        var binder = new DummyInterfaceVipBinder(runner, options, InterfaceAddressEditor.Open);
        await binder.CleanupAsync(CancellationToken.None);

        var times = new Dictionary<string, List<double>>
        {
            ["add_ip"] = [],
            ["remove_ip"] = [],
            ["add_netlink"] = [],
            ["remove_netlink"] = [],
        };

        async Task TimeAsync(string key, Func<Task> change)
        {
            var start = Stopwatch.GetTimestamp();
            await change();
            times[key].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        // The commands the binder ran before it used netlink.
        async Task IpAsync(params string[] command)
        {
            var result = await runner.RunAsync("ip", command, null, CancellationToken.None);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"ip {string.Join(' ', command)} failed: {result.StandardError.Trim()}");
            }
        }

        for (var round = 0; round < rounds; round++)
        {
            foreach (var vip in vips)
            {
                var v6 = vip.AddressFamily == AddressFamily.InterNetworkV6;
                await TimeAsync("add_ip", () => v6
                    ? IpAsync("-6", "addr", "replace", $"{vip}/128", "dev", link, "nodad")
                    : IpAsync("addr", "replace", $"{vip}/32", "dev", link));
                await TimeAsync("remove_ip", () => IpAsync("addr", "del", $"{vip}/{(v6 ? 128 : 32)}", "dev", link));
                await TimeAsync("add_netlink", () => binder.AddAsync(vip, CancellationToken.None));
                await TimeAsync("remove_netlink", () => binder.RemoveAsync(vip, CancellationToken.None));
            }
        }

        await runner.RunAsync("ip", ["link", "del", link], null, CancellationToken.None);
        var metrics = new Dictionary<string, double>();
        foreach (var (key, list) in times)
        {
            list.Sort();
            metrics[$"{key}_median_ms"] = Math.Round(Percentile(list, 0.5), 3);
            metrics[$"{key}_p90_ms"] = Math.Round(Percentile(list, 0.9), 3);
        }

        metrics["changes_per_figure"] = rounds * vips.Length;
        metrics["load_average"] = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        BenchOutput.Write(output, metrics);
        return 0;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
}
