using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EdgeLB.Kubernetes.Configuration;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Client;
using EdgeLB.Rpc.Contract;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Sandbox.ApiServer;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EdgeLB.Benchmarks.Coordination;

/// <summary>
/// `hack/bench.sh coordinator`: many simulated speakers (sessions over real gRPC, heartbeats at the
/// controller's default interval, VIPs assigned) against one `edgelb controller` process and the
/// in-memory API server. Measures the controller's CPU and RSS in steady state, the heartbeat
/// round trip as the speakers see it (heartbeat written → its ack read), and how long a closed
/// session's VIP takes to reach its new holder.
/// </summary>
/// <remarks>
/// Speakers live in this process, so they compete with the controller for the same two cores:
/// the round-trip figures include that contention and are an upper bound.
/// </remarks>
internal static class CoordinatorSuite
{
    private static readonly TimeSpan Measure = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string edgelb, string outputPath, int speakers = 1000, int services = 1000, int closes = 20)
    {
        await using var server = await InMemoryApiServer.StartAsync(new InMemoryApiServerOptions { AutoCreateNamespaces = true, HistoryLimit = 100_000 });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"edgelb-bench-coord-{Environment.ProcessId}", "kubeconfig");
        server.WriteKubeconfig(kubeconfig);
        using var client = new KubeApiClient(KubernetesClientConfiguration.ForServer(server.BaseAddress));
        await client.CreateAsync(Resources.IPAddressPools, new IPAddressPool
        {
            Metadata = new ObjectMeta { Name = "bench", Namespace = "edgelb-system" },
            Spec = new IPAddressPoolSpec { Addresses = ["198.19.0.0/16"] },
        });
        await client.CreateAsync(Resources.L2Advertisements, new L2Advertisement { Metadata = new ObjectMeta { Name = "bench", Namespace = "edgelb-system" }, Spec = new L2AdvertisementSpec() });
        await Parallel.ForAsync(0, speakers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            await client.CreateAsync(Resources.Nodes, Node(i), ct));

        var httpPort = ProcessReadings.FreePort();
        var grpcPort = ProcessReadings.FreePort();
        var controller = StartController(edgelb, kubeconfig, httpPort, grpcPort);
        var sims = new List<Sim>();
        var metrics = new Dictionary<string, double>();
        try
        {
            await WaitAsync(() => ReadyAsync(httpPort), TimeSpan.FromMinutes(1), "the controller is ready");
            var address = new Uri($"http://127.0.0.1:{grpcPort}");
            var connect = Stopwatch.StartNew();
            for (var i = 0; i < speakers; i++)
            {
                sims.Add(await Sim.ConnectAsync(address, $"node-{i}", NodeAddress(i), server.IssueToken("edgelb-speaker", "edgelb-system", "edgelb", $"speaker-{i}", $"node-{i}")));
            }

            await WaitAsync(() => Task.FromResult(sims.All(s => s.Interval is not null)), TimeSpan.FromMinutes(2), "every speaker has a session");
            metrics["sessions_established_seconds"] = Math.Round(connect.Elapsed.TotalSeconds, 2);
            Console.WriteLine($"{speakers} sessions in {connect.Elapsed.TotalSeconds:F1} s; heartbeat interval {sims[0].Interval!.Value.TotalMilliseconds} ms");

            await Parallel.ForAsync(0, services, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
                await client.CreateAsync(Resources.Services, Service(i), ct));
            await WaitAsync(() => Task.FromResult(sims.Sum(s => s.HoldingCount) >= services), TimeSpan.FromMinutes(5), "every VIP is announced");
            Console.WriteLine($"{services} VIPs announced; spread {sims.Min(s => s.HoldingCount)}..{sims.Max(s => s.HoldingCount)} per node");
            await Task.Delay(TimeSpan.FromSeconds(3));

            // Steady state: heartbeats only.
            foreach (var sim in sims)
            {
                sim.Rtts.Clear();
            }

            var cpuBefore = ProcessReadings.CpuSeconds(controller.Id);
            var wall = Stopwatch.StartNew();
            await Task.Delay(Measure);
            var cpu = ProcessReadings.CpuSeconds(controller.Id) - cpuBefore;
            var seconds = wall.Elapsed.TotalSeconds;
            var rtts = sims.SelectMany(s => s.Rtts).Order().ToArray();
            var heartbeats = rtts.Length;
            metrics["speakers"] = speakers;
            metrics["vips"] = services;
            metrics["heartbeat_interval_ms"] = sims[0].Interval!.Value.TotalMilliseconds;
            metrics["heartbeats_per_second"] = Math.Round(heartbeats / seconds);
            metrics["controller_cpu_seconds_per_second"] = Math.Round(cpu / seconds, 3);
            metrics["controller_cpu_percent"] = Math.Round(100 * cpu / seconds, 1);
            metrics["controller_cpu_us_per_heartbeat"] = heartbeats == 0 ? 0 : Math.Round(cpu * 1e6 / heartbeats, 1);
            metrics["heartbeat_rtt_ms_p50"] = Percentile(rtts, 0.50);
            metrics["heartbeat_rtt_ms_p99"] = Percentile(rtts, 0.99);
            metrics["controller_rss_mb"] = Math.Round(ProcessReadings.MemoryMb(controller.Id, "VmRSS:"), 1);
            metrics["controller_peak_rss_mb"] = Math.Round(ProcessReadings.MemoryMb(controller.Id, "VmHWM:"), 1);
            metrics["spurious_moves_in_steady_state"] = sims.Sum(s => s.MovesSince(wall));
            BenchOutput.Write(outputPath, metrics);
            foreach (var (k, v) in metrics)
            {
                Console.WriteLine($"{k} = {v.ToString(CultureInfo.InvariantCulture)}");
            }

            // Closed sessions: time until another speaker receives the VIP.
            var reassign = new List<double>();
            foreach (var victim in sims.Where(s => s.HoldingCount > 0).Take(closes).ToList())
            {
                if (victim.FirstHeld() is not { } vip)
                {
                    continue;
                }

                var epoch = victim.EpochOf(vip);
                var started = Stopwatch.GetTimestamp();
                await victim.KillAsync();
                try
                {
                    await WaitAsync(() => Task.FromResult(sims.Any(s => s != victim && s.EpochOf(vip) > epoch)), TimeSpan.FromSeconds(5), $"{vip} moves");
                    reassign.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
                catch (TimeoutException)
                {
                    Console.Error.WriteLine($"{vip} did not move within 5 s of its holder's session reset");
                    metrics["reassign_timeouts"] = metrics.GetValueOrDefault("reassign_timeouts") + 1;
                }
            }

            var sortedReassign = reassign.Order().ToArray();
            metrics["reassign_ms_p50"] = Percentile(sortedReassign, 0.50);
            metrics["reassign_ms_p99"] = Percentile(sortedReassign, 0.99);
        }
        finally
        {
            await StopAsync(controller);
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await Task.WhenAll(sims.Select(s => s.DisposeAsync().AsTask())).WaitAsync(bounded.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var (k, v) in metrics)
        {
            Console.WriteLine($"{k} = {v.ToString(CultureInfo.InvariantCulture)}");
        }

        BenchOutput.Write(outputPath, metrics);
        return 0;
    }

    private static string NodeAddress(int i) => $"198.18.{i / 250}.{(i % 250) + 1}";

    private static Node Node(int i) => new()
    {
        Metadata = new ObjectMeta { Name = $"node-{i}" },
        Status = new NodeStatus
        {
            Addresses = [new NodeAddress { Type = "InternalIP", Address = NodeAddress(i) }],
            Conditions = [new NodeCondition { Type = "Ready", Status = "True" }],
        },
    };

    private static Service Service(int i) => new()
    {
        Metadata = new ObjectMeta { Name = $"svc-{i}", Namespace = $"ns-{i % 20}" },
        Spec = new ServiceSpec { Type = "LoadBalancer", Selector = new Dictionary<string, string> { ["app"] = $"a{i}" }, Ports = [new Kubernetes.Models.ServicePort { Port = 80, Protocol = "TCP" }] },
    };

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)], 2);

    internal static Process StartController(string edgelb, string kubeconfig, int httpPort, int grpcPort)
    {
        var psi = new ProcessStartInfo(edgelb) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };

        // The API server shares this process with a thousand speakers: give leader election a
        // generous Lease so a busy API server does not end the term in the middle of a measurement.
        psi.Environment["EDGELB_LEASEDURATION"] = "00:01:00";
        psi.Environment["EDGELB_RENEWDEADLINE"] = "00:00:50";
        psi.Environment["EDGELB_RETRYPERIOD"] = "00:00:05";
        foreach (var arg in new[] { "controller", "--kubeconfig", kubeconfig, "--http-listen", $"127.0.0.1:{httpPort}", "--grpc-listen", $"127.0.0.1:{grpcPort}", "--log-level", "Warning" })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"controller: {e.Data}"); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine($"controller: {e.Data}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    internal static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }
    }

    internal static async Task<bool> ReadyAsync(int port)
    {
        using var http = new HttpClient();
        try
        {
            return (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"))).IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    internal static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > within)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(5);
        }
    }




    /// <summary>One simulated speaker: a session, a heartbeat loop at the configured interval, and the epoch rules.</summary>
    private sealed class Sim : IAsyncDisposable
    {
        private readonly RpcChannel _channel;
        private readonly DuplexStreamingCall<SpeakerMessage, ControllerMessage> _call;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentDictionary<string, ulong> _holding = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<ulong, long> _sent = new();
        private readonly ConcurrentQueue<long> _moves = new();
        private readonly SemaphoreSlim _write = new(1, 1);
        private Task _reader = Task.CompletedTask;
        private Task _beats = Task.CompletedTask;
        private PeriodicTimer? _timer;
        private ulong _sequence;

        private Sim(RpcChannel channel, DuplexStreamingCall<SpeakerMessage, ControllerMessage> call)
        {
            _channel = channel;
            _call = call;
        }

        public TimeSpan? Interval { get; private set; }

        public ConcurrentBag<double> Rtts { get; } = [];

        public int HoldingCount => _holding.Count;

        public string? FirstHeld() => _holding.Keys.FirstOrDefault();

        public ulong EpochOf(string vip) => _holding.GetValueOrDefault(vip);

        public int MovesSince(Stopwatch since) => _moves.Count(t => Stopwatch.GetElapsedTime(t) <= since.Elapsed);

        public static async Task<Sim> ConnectAsync(Uri address, string node, string ip, string token)
        {
            var channel = RpcChannel.Create(address);
            var sim = new Sim(channel, channel.DuplexStreaming(CoordinatorMethods.Session, new CallOptions(new Metadata { { "authorization", "Bearer " + token } })));
            await sim._call.RequestStream.WriteAsync(new SpeakerMessage
            {
                Hello = new Hello
                {
                    NodeName = node,
                    NodeAddresses = { ip },
                    InstanceId = Guid.NewGuid().ToString(),
                    Version = "bench",
                    Interfaces = { new global::EdgeLB.Rpc.Contract.V1.NetworkInterface { Name = "eth0", LinkUp = true, Mac = ByteString.CopyFrom([2, 0, .. BitConverter.GetBytes(node.GetHashCode(StringComparison.Ordinal))]), Addresses = { new IpPrefix { Address = ip, PrefixLength = 15 } } } },
                },
            });
            sim._reader = sim.ReadAsync();
            return sim;
        }

        public async Task KillAsync()
        {
            await _stop.CancelAsync();
            _call.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            await _beats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _channel.Dispose();
            _stop.Dispose();
            _write.Dispose();
        }

        private async Task ReadAsync()
        {
            try
            {
                while (await _call.ResponseStream.MoveNextAsync(_stop.Token))
                {
                    var message = _call.ResponseStream.Current;
                    switch (message.KindCase)
                    {
                        case ControllerMessage.KindOneofCase.Configuration:
                            // Later Configurations may stretch the interval (the controller's heartbeat budget).
                            var interval = message.Configuration.HeartbeatInterval.ToTimeSpan();
                            if (_timer is null)
                            {
                                _timer = new PeriodicTimer(interval);
                                _beats = BeatAsync(_timer);
                            }
                            else if (interval != Interval)
                            {
                                _timer.Period = interval;
                            }

                            Interval = interval;
                            break;
                        case ControllerMessage.KindOneofCase.HeartbeatAck:
                            if (_sent.TryRemove(message.HeartbeatAck.Sequence, out var sentAt))
                            {
                                Rtts.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
                            }

                            break;
                        case ControllerMessage.KindOneofCase.Assignment:
                            _holding[message.Assignment.Address] = message.Assignment.Epoch;
                            _moves.Enqueue(Stopwatch.GetTimestamp());
                            _ = SendBeatAsync();
                            break;
                        case ControllerMessage.KindOneofCase.Revoke:
                            _holding.TryRemove(message.Revoke.Address, out _);
                            _moves.Enqueue(Stopwatch.GetTimestamp());
                            _ = SendBeatAsync();
                            break;
                        default:
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        private async Task BeatAsync(PeriodicTimer timer)
        {
            using var owned = timer;
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await SendBeatAsync();
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        private async Task SendBeatAsync()
        {
            var heartbeat = new Heartbeat { Sequence = Interlocked.Increment(ref _sequence), NodeHealth = Health.Ok, SentAt = Timestamp.FromDateTime(DateTime.UtcNow) };
            foreach (var (vip, epoch) in _holding)
            {
                heartbeat.Announced.Add(new AnnouncedVip { Address = vip, Epoch = epoch, Interface = "eth0" });
            }

            try
            {
                await _write.WaitAsync(_stop.Token);
                try
                {
                    _sent[heartbeat.Sequence] = Stopwatch.GetTimestamp();
                    await _call.RequestStream.WriteAsync(new SpeakerMessage { Heartbeat = heartbeat });
                }
                finally
                {
                    _write.Release();
                }
            }
            catch (Exception ex) when (ex is RpcException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }
}
