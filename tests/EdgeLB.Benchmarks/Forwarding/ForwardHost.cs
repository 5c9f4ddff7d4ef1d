using System.Globalization;
using System.Net;
using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Health;

namespace EdgeLB.Benchmarks.Forwarding;

/// <summary>
/// Runs one forwarded VIP:port until stdin closes or SIGTERM:
/// <c>forward-host --plane userspace|nftables --vip IP --port N --backend IP:PORT... [--interface NAME] [--table NAME] [--round-robin]</c>.
/// Prints "ready" once forwarding, and "health &lt;target&gt; up|down &lt;unix ms&gt;" on every transition.
/// </summary>
internal static class ForwardHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var plane = DataPlaneKind.Userspace;
        IPAddress? vip = null;
        var port = 80;
        var backends = new List<Backend>();
        var options = new ForwardingOptions();
        var service = ServiceForwardingOptions.Default;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : null;
                switch (args[i])
                {
                    case "--plane":
                        plane = value == "nftables" ? DataPlaneKind.Nftables : DataPlaneKind.Userspace;
                        i++;
                        break;
                    case "--vip":
                        vip = IPAddress.Parse(value!);
                        i++;
                        break;
                    case "--port":
                        port = int.Parse(value!, CultureInfo.InvariantCulture);
                        i++;
                        break;
                    case "--backend":
                        backends.Add(new Backend(IPEndPoint.Parse(value!)));
                        i++;
                        break;
                    case "--interface":
                        options = options with { InterfaceName = value! };
                        i++;
                        break;
                    case "--table":
                        options = options with { NftablesTable = value! };
                        i++;
                        break;
                    case "--round-robin":
                        service = service with { Balancing = BalancingMode.RoundRobin };
                        break;
                    default:
                        throw new ArgumentException($"unknown argument '{args[i]}'", nameof(args));
                }
            }

            if (vip is null || backends.Count == 0)
            {
                throw new ArgumentException("--vip and at least one --backend are required", nameof(args));
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NullReferenceException)
        {
            await Console.Error.WriteLineAsync($"forward-host: {ex.Message}");
            return 2;
        }

        options = options with { DataPlane = plane };
        using var metrics = new ForwardingMetrics();
        using var health = new HealthChecker(new HealthCheckOptions(), new SocketHealthProbe(DefaultSocketFactory.Instance), TimeProvider.System, null, metrics);
        health.Changed += (_, t) => Console.Out.WriteLine(
            $"health {t.Target} {(t.Available ? "up" : "down")} {t.At.ToUnixTimeMilliseconds()} {t.Reason}");
        var runner = new ProcessCommandRunner();
        IDataPlane dataPlane = plane == DataPlaneKind.Userspace
            ? new UserspaceDataPlane(options, DefaultSocketFactory.Instance, TimeProvider.System, metrics)
            : new NftablesDataPlane(runner, options);
        await using var forwarder = new ForwardingService(dataPlane, new DummyInterfaceVipBinder(runner, options, InterfaceAddressEditor.Open), health);
        await forwarder.StartAsync(CancellationToken.None);
        await forwarder.SetBackendsAsync(new VipPort(vip, port, ForwardProtocol.Tcp), backends, service, CancellationToken.None);
        Console.Out.WriteLine("ready");

        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM,
            ctx =>
            {
                ctx.Cancel = true;
                stop.Cancel();
            });
        var stdinClosed = Task.Run(() => Console.In.ReadToEnd(), CancellationToken.None);
        await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        return 0;
    }
}
