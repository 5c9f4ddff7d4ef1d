using System.Diagnostics;
using System.Net;
using System.Text.Json;
using EdgeLB.Net;
using EdgeLB.Net.Arp;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Frames;
using EdgeLB.Net.Interfaces;
using EdgeLB.Net.Ip;
using EdgeLB.Net.Sockets;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Sandbox.Lab;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeLB.Benchmarks.Announce;

/// <summary>
/// Measures, in a client + node network-namespace lab: the time from <see cref="IAnnouncer.Assign(IPAddress, string, long, TimeSpan)"/>
/// to the first gratuitous ARP seen by an AF_PACKET socket in the client namespace (same process, same
/// monotonic clock), and how many ARP requests per second the responder answers under a bounded,
/// windowed load.
/// </summary>
internal static class AnnounceBenchmark
{
    private const int Trials = 20;
    private const int WarmUps = 3;
    private const int Window = 64;
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(3);
    private const long MaxRequests = 2_000_000;

    public static async Task<int> RunAsync(string[] args)
    {
        var outPath = args is ["--out", var path, ..] ? path : "artifacts/bench/announce.json";
        if (!NetworkLab.IsSupported)
        {
            await Console.Error.WriteLineAsync("announce: needs Linux, root and iproute2 (network namespaces)");
            return 2;
        }

        await using var lab = await NetworkLab.CreateAsync("bench");
        var client = await lab.AddHostAsync("client");
        var node = await lab.AddHostAsync("node1");
        using var nodeThread = node.EnterThread();
        using var clientThread = client.EnterThread();
        var options = new AnnouncerOptions { RefreshInterval = TimeSpan.Zero };
        options.RepeatSchedule.Clear();
        using var announcer = new Announcer(new NamespacedLinkEnvironment(nodeThread), options, TimeProvider.System, NullLogger.Instance);
        announcer.Preflight("eth0"); // opens the socket, as the speaker does at start

        var clientEth = clientThread.Invoke(() => InterfaceCatalog.Find("eth0"))!;
        using var capture = clientThread.Invoke(() => LinkSocket.Open(clientEth.Index));
        var nodeMac = MacAddress.Parse(node.Mac);

        var latencies = new List<double>();
        for (var i = 0; i < WarmUps + Trials; i++)
        {
            var vip = IPAddress.Parse($"198.18.{lab.Subnet}.{100 + i}");
            var latency = MeasureAssign(announcer, capture, vip, nodeMac);
            announcer.Revoke(vip);
            if (i >= WarmUps)
            {
                latencies.Add(latency);
            }

            await Task.Delay(50);
        }

        latencies.Sort();
        var median = (latencies[(Trials / 2) - 1] + latencies[Trials / 2]) / 2;
        var max = latencies[^1];
        Console.WriteLine($"assign -> first GARP in client ns over {Trials} trials: median {median:F3} ms, min {latencies[0]:F3} ms, max {max:F3} ms");

        var target = IPAddress.Parse($"198.18.{lab.Subnet}.200");
        announcer.Assign(target, "eth0", 1, TimeSpan.FromMinutes(5));
        var (replies, requests, seconds) = MeasureReplies(capture, MacAddress.Parse(client.Mac), IPv4Address.From(IPAddress.Parse(client.IPv4)), IPv4Address.From(target), nodeMac);
        var perSecond = replies / seconds;
        Console.WriteLine($"responder: {replies} replies to {requests} requests in {seconds:F2} s = {perSecond:F0} replies/s (window {Window})");

        var json = JsonSerializer.Serialize(
            new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal)
            {
                ["metrics"] = new(StringComparer.Ordinal)
                {
                    ["assign_to_garp_ms_median"] = Math.Round(median, 3),
                    ["assign_to_garp_ms_max"] = Math.Round(max, 3),
                    ["arp_replies_per_s"] = Math.Round(perSecond),
                },
            },
            BenchJsonContext.Default.DictionaryStringDictionaryStringDouble);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outPath))!);
        await File.WriteAllTextAsync(outPath, json);
        Console.WriteLine($"wrote {outPath}: {json}");
        return 0;
    }

    private static double MeasureAssign(Announcer announcer, LinkSocket capture, IPAddress vip, MacAddress nodeMac)
    {
        var address = IPv4Address.From(vip);
        var buffer = new byte[2048];
        while (capture.Receive(buffer, TimeSpan.Zero, out _) > 0)
        {
            // drain what earlier trials left
        }

        var started = Stopwatch.GetTimestamp();
        announcer.Assign(vip, "eth0", 1, TimeSpan.FromMinutes(1));
        var deadline = started + (2 * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var length = capture.Receive(buffer, TimeSpan.FromMilliseconds(100), out _);
            var seen = Stopwatch.GetTimestamp();
            if (length > 0 && LinkFrame.Parse(buffer.AsSpan(0, length), out var frame) == ParseError.None
                && frame.Kind == LinkFrameKind.Arp && frame.Arp.IsGratuitous && frame.Arp.SenderProtocol == address && frame.Arp.SenderHardware == nodeMac)
            {
                return Stopwatch.GetElapsedTime(started, seen).TotalMilliseconds;
            }
        }

        throw new TimeoutException($"no gratuitous ARP for {vip} reached the client within 2 s");
    }

    private static (long Replies, long Requests, double Seconds) MeasureReplies(LinkSocket socket, MacAddress clientMac, IPv4Address clientIp, IPv4Address target, MacAddress nodeMac)
    {
        long sent = 0;
        long received = 0;
        var stop = false;
        var receiver = new Thread(() =>
        {
            var buffer = new byte[2048];
            while (!Volatile.Read(ref stop))
            {
                var length = socket.Receive(buffer, TimeSpan.FromMilliseconds(50), out _);
                if (length > 0 && LinkFrame.Parse(buffer.AsSpan(0, length), out var frame) == ParseError.None
                    && frame.Kind == LinkFrameKind.Arp && frame.Arp.Operation == ArpOperation.Reply && !frame.Arp.IsGratuitous
                    && frame.Arp.SenderHardware == nodeMac && frame.Arp.SenderProtocol == target)
                {
                    Interlocked.Increment(ref received);
                }
            }
        }) { IsBackground = true, Name = "bench-arp-receiver" };
        receiver.Start();

        var request = new byte[FrameWriter.MaxFrameLength];
        var length = FrameWriter.WriteArpRequest(request, clientMac, clientIp, target);
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(LoadDuration.TotalSeconds * Stopwatch.Frequency);
        long lastProgress = started;
        long lastReceived = 0;
        long writtenOff = 0;
        while (Stopwatch.GetTimestamp() < end && sent < MaxRequests)
        {
            var now = Stopwatch.GetTimestamp();
            var got = Interlocked.Read(ref received);
            if (got != lastReceived)
            {
                lastReceived = got;
                lastProgress = now;
            }

            // Keep at most Window requests unanswered; if answers stall for 20 ms, count the
            // outstanding ones as lost and open the window again.
            if (sent - writtenOff - got >= Window)
            {
                if (now - lastProgress < Stopwatch.Frequency / 50)
                {
                    Thread.Yield();
                    continue;
                }

                writtenOff = sent - got;
                lastProgress = now;
            }

            socket.Send(request.AsSpan(0, length));
            sent++;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var replies = Interlocked.Read(ref received);
        Volatile.Write(ref stop, true);
        receiver.Join();
        return (replies, sent, seconds);
    }
}
