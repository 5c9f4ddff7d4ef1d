using System.Diagnostics;
using System.Globalization;
using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Benchmarks.Chaos;

/// <summary>
/// One chaos soak: the lab (3 nodes, 2 controller replicas) with <see cref="ChaosOptions.Services"/>
/// LoadBalancer Services, a client probing every VIP and capturing ARP for it the whole time, a
/// monitor reading every Service's ingress, the processes' RSS and unexpected exits, and a loop that
/// injects one random fault at a time, undoes it and heals the lab. Ends with a control-plane outage
/// (API server off the network and every controller killed). Every loop is bounded by the deadline
/// or the cancellation token; whatever fault is active is undone on the way out.
/// </summary>
internal sealed class ChaosSoak(ChaosOptions options, LabCluster lab, Random random)
{
    private static readonly TimeSpan Heal = TimeSpan.FromSeconds(90);
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly List<Watched> _services = [];
    private readonly List<(FaultKind Kind, long From, long To)> _windows = [];
    private readonly HashSet<int> _killed = [];
    private readonly HashSet<int> _crashed = [];
    private readonly Dictionary<int, (string Slot, double FirstMb, double LastMb)> _rss = [];
    private readonly Lock _gate = new();
    private Func<Task>? _undo;
    private (long From, long To)? _outage;
    private int _ipChanges;
    private int _healTimeouts;
    private int _faultErrors;
    private bool? _netemAvailable;

    public async Task RunAsync(SortedDictionary<string, double> metrics, CancellationToken stop)
    {
        var total = options.Duration + TimeSpan.FromSeconds(options.ControlOutageSeconds) + TimeSpan.FromMinutes(5);
        await CreateServicesAsync();
        foreach (var s in _services)
        {
            s.Capture = await ArpCapture.StartAsync(lab.Client, s.Vip.Address.ToString(), Path.Combine(lab.WorkDirectory, $"arp-{s.Name}.log"));
            s.Capture.StartAsking(lab.Client, total, TimeSpan.FromMilliseconds(100));
            var interval = TimeSpan.FromMilliseconds(50);
            s.Prober = new ClientProber(lab.ClientThread, s.Vip, new ProberOptions { Interval = interval, MaxDuration = total, MaxProbes = (int)(total / interval) + 10 });
            s.Prober.Start();
        }

        using var monitorStop = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var monitor = MonitorAsync(monitorStop.Token);
        var faults = new SortedDictionary<FaultKind, int>();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var deadline = DateTime.UtcNow + options.Duration;
            while (DateTime.UtcNow < deadline && !stop.IsCancellationRequested)
            {
                var kind = (FaultKind)random.Next(Enum.GetValues<FaultKind>().Length);
                var from = Stopwatch.GetTimestamp();
                bool injected;
                try
                {
                    injected = await InjectAsync(kind);
                }
                catch (InvalidOperationException ex)
                {
                    // A tool failed (ip, nft, kubectl): counted and reported, and the soak goes on.
                    _faultErrors++;
                    Console.WriteLine($"chaos: could not inject {Name(kind)}: {ex.Message.Split('\n')[0]}");
                    await UndoAsync();
                    await HealAsync();
                    continue;
                }

                if (!injected)
                {
                    continue;
                }

                faults[kind] = faults.GetValueOrDefault(kind) + 1;
                await DelayAsync(TimeSpan.FromSeconds(1 + (random.NextDouble() * 5)), stop);
                await UndoAsync();
                await HealAsync();
                await DelayAsync(TimeSpan.FromSeconds(2), stop);
                lock (_gate)
                {
                    _windows.Add((kind, from, Stopwatch.GetTimestamp()));
                }
            }

            if (!stop.IsCancellationRequested)
            {
                await ControlPlaneOutageAsync(metrics, stop);
            }
        }
        finally
        {
            await UndoAsync();
            await monitorStop.CancelAsync();
            await monitor;
        }

        metrics["minutes"] = Math.Round(Stopwatch.GetElapsedTime(started).TotalMinutes, 2);
        metrics["services"] = _services.Count;
        metrics["faults_injected"] = faults.Values.Sum();
        foreach (var (kind, count) in faults)
        {
            metrics[$"faults_{Name(kind)}"] = count;
        }

        await CollectAsync(metrics);
        metrics["ip_changes"] = _ipChanges;
        metrics["process_crashes"] = _crashed.Count;
        metrics["heal_timeouts"] = _healTimeouts;
        metrics["fault_errors"] = _faultErrors;
        if (_netemAvailable is { } netem)
        {
            metrics["bridge_netem_tc_available"] = netem ? 1 : 0;
        }
        lock (_gate)
        {
            foreach (var group in _rss.Values.GroupBy(r => r.Slot))
            {
                // The instance alive longest in a slot (slots restart after kills): its growth is the process's.
                metrics[$"rss_growth_mb_{group.Key}"] = Math.Round(group.Max(r => r.LastMb - r.FirstMb), 1);
            }
        }
    }

    /// <summary>Undoes whatever fault is active (also on Ctrl-C or failure); safe to call twice.</summary>
    public async Task UndoAsync()
    {
        var undo = Interlocked.Exchange(ref _undo, null);
        if (undo is not null)
        {
            await undo();
        }
    }

    private async Task CreateServicesAsync()
    {
        for (var i = 0; i < options.Services; i++)
        {
            var name = $"chaos-{i}";
            await lab.Kubectl.ApplyAsync($$"""
                apiVersion: v1
                kind: Service
                metadata: {name: {{name}}, namespace: default}
                spec:
                  type: LoadBalancer
                  ports: [{name: http, port: 80, targetPort: 8080}]
                """);
            await lab.ServeAsync("default", name);
            var ips = await lab.Kubectl.WaitForIngressAsync("default", name, TimeSpan.FromSeconds(60)) ?? throw new TimeoutException($"{name}: no EXTERNAL-IP");
            var vip = new IPEndPoint(IPAddress.Parse(ips[0]), 80);
            var deadline = DateTime.UtcNow + Heal;
            while (!(await ClientProber.ProbeOnceAsync(lab.ClientThread, vip, TimeSpan.FromSeconds(1))).Succeeded)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"no traffic through {vip}");
                }

                await Task.Delay(200);
            }

            _services.Add(new Watched(name, vip, ips));
            Console.WriteLine($"chaos: {name} has {string.Join(", ", ips)}");
        }
    }

    private async Task<bool> InjectAsync(FaultKind kind)
    {
        var node = lab.Nodes[random.Next(lab.Nodes.Count)];
        string what;
        switch (kind)
        {
            case FaultKind.SpeakerSigkill when node.Speaker is { HasExited: false } speaker:
                Kill(speaker);
                what = $"SIGKILL speaker of {node.Name}";
                break;
            case FaultKind.SpeakerSigstop when node.Speaker is { HasExited: false } speaker:
                speaker.Signal(SigStop);
                _undo = () => { speaker.Signal(SigCont); return Task.CompletedTask; };
                what = $"SIGSTOP speaker of {node.Name}";
                break;
            case FaultKind.LinkFlap:
                await lab.SetLinkAsync(node, up: false);
                _undo = () => lab.SetLinkAsync(node, up: true);
                what = $"link of {node.Name} down";
                break;
            case FaultKind.LeaderKill when await lab.LeaderAsync() is { } leader && lab.Controllers[leader] is { HasExited: false } controller:
                Kill(controller);
                what = $"SIGKILL leader controller-{leader}";
                break;
            case FaultKind.ApiLatency:
                var delay = TimeSpan.FromMilliseconds(100 + random.Next(1400));
                lab.Api.Faults.ResponseDelay = delay;
                _undo = () => { lab.Api.Faults.ResponseDelay = TimeSpan.Zero; return Task.CompletedTask; };
                what = $"API latency {delay.TotalMilliseconds:F0} ms";
                break;
            case FaultKind.Api5xx:
                var (count, code) = (20 + random.Next(200), random.Next(2) == 0 ? 500 : 503);
                lab.Api.Faults.FailNext(count, code);
                _undo = () => { lab.Api.Faults.FailNext(0); return Task.CompletedTask; };
                what = $"API answers {code} to the next {count} requests";
                break;
            case FaultKind.ApiOutage:
                await lab.StopApiAsync();
                _undo = () => { lab.StartApi(); return Task.CompletedTask; };
                what = "API server refuses connections";
                break;
            case FaultKind.BridgeNetem:
                var (loss, ms) = (random.Next(1, 10), random.Next(5, 60));
                what = await NetemAsync(loss, ms)
                    ? $"netem on every bridge port: {loss}% loss, {ms} ms delay"
                    : $"{loss}% loss on the bridge (nftables; this kernel has no netem qdisc, so no delay)";
                break;
            case FaultKind.Partition:
                await lab.BlockCoordinatorAsync(node, block: true);
                _undo = () => lab.BlockCoordinatorAsync(node, block: false);
                what = $"{node.Name} cut off from the coordinator";
                break;
            default:
                return false; // nothing to do it to right now (a process already down): draw again
        }

        Console.WriteLine($"chaos: {DateTime.UtcNow:HH:mm:ss} {Name(kind)}: {what}");
        return true;
    }

    private void Kill(LabProcess process)
    {
        lock (_gate)
        {
            _killed.Add(process.Pid);
        }

        process.Signal(LabProcess.SigKill);
    }

    /// <summary>
    /// Loss and delay on the bridge's end of every host's link, inside the lab's bridge namespace
    /// only: tc netem, or, on a kernel without the netem qdisc, random drops by an nftables bridge
    /// rule (loss only). Sets the undo; false when it fell back to loss only.
    /// </summary>
    private async Task<bool> NetemAsync(int lossPercent, int delayMs)
    {
        var bridge = lab.Network.Namespaces[0];
        var ports = lab.Nodes.Select(n => n.Host).Append(lab.Client).Append(lab.Control).Select(h => h.BridgePort).ToList();
        if (_netemAvailable is not false)
        {
            var spec = string.Create(CultureInfo.InvariantCulture, $"loss {lossPercent}% delay {delayMs}ms {delayMs / 2}ms");
            _undo = async () =>
            {
                foreach (var port in ports)
                {
                    await ProcessRunner.RunAsync("ip", ["netns", "exec", bridge, "tc", "qdisc", "del", "dev", port, "root"], check: false);
                }
            };
            try
            {
                foreach (var port in ports)
                {
                    await ProcessRunner.RunAsync("ip", ["netns", "exec", bridge, "tc", "qdisc", "replace", "dev", port, "root", "netem", .. spec.Split(' ')]);
                }

                _netemAvailable = true;
                return true;
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("qdisc kind is unknown", StringComparison.Ordinal))
            {
                _netemAvailable = false;
                await UndoAsync();
            }
        }

        var rules = string.Create(CultureInfo.InvariantCulture, $"table bridge edgelb_chaos_loss {{\n chain forward {{\n  type filter hook forward priority 0; policy accept;\n  numgen random mod 100 < {lossPercent} drop\n }}\n}}\n");
        await ProcessRunner.RunAsync("ip", ["netns", "exec", bridge, "nft", "-f", "-"], stdin: rules);
        _undo = () => ProcessRunner.RunAsync("ip", ["netns", "exec", bridge, "nft", "delete", "table", "bridge", "edgelb_chaos_loss"], check: false);
        return false;
    }

    private async Task HealAsync()
    {
        try
        {
            await lab.HealAsync(Heal);
        }
        catch (TimeoutException ex)
        {
            _healTimeouts++;
            Console.WriteLine($"chaos: the lab did not heal within {Heal.TotalSeconds:F0} s: {ex.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Every 2 s: each Service's ingress, unexpected process exits, and RSS.</summary>
    private async Task MonitorAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var s in _services)
            {
                try
                {
                    var now = await lab.Kubectl.IngressAsync("default", s.Name);
                    if (!now.SequenceEqual(s.LastIngress))
                    {
                        _ipChanges++;
                        Console.WriteLine($"chaos: {DateTime.UtcNow:HH:mm:ss} {s.Name} ingress changed: [{string.Join(", ", s.LastIngress)}] -> [{string.Join(", ", now)}]");
                        s.LastIngress = now;
                    }
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
                {
                    // kubectl failed (an injected 5xx burst reaches it too): no reading this round.
                }
            }

            var processes = lab.Controllers.Select((c, r) => (Slot: $"controller_{r}", Process: c))
                .Concat(lab.Nodes.Select(n => (Slot: $"speaker_{n.Name.Replace('-', '_')}", Process: n.Speaker)));
            foreach (var (slot, process) in processes)
            {
                if (process is null)
                {
                    continue;
                }

                lock (_gate)
                {
                    if (process.HasExited && !_killed.Contains(process.Pid) && _crashed.Add(process.Pid))
                    {
                        Console.WriteLine($"chaos: {slot} (pid {process.Pid}) exited by itself, code {process.ExitCode}:\n{process.Tail(15)}");
                    }
                }

                Sample(slot, process.Pid);
            }

            Sample("driver_apiserver", Environment.ProcessId);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Sample(string slot, int pid)
    {
        double mb;
        try
        {
            mb = ProcessReadings.MemoryMb(pid, "VmRSS:");
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return; // exited meanwhile
        }

        lock (_gate)
        {
            _rss[pid] = _rss.TryGetValue(pid, out var seen) ? seen with { LastMb = mb } : (slot, mb, mb);
        }
    }

    /// <summary>
    /// The API server off the network and every controller SIGKILLed for the configured time: every
    /// VIP must keep serving from its holder (probes, and ARP on the client side), and after the
    /// control plane returns no IP changes and no VIP moves.
    /// </summary>
    private async Task ControlPlaneOutageAsync(SortedDictionary<string, double> metrics, CancellationToken stop)
    {
        var before = new Dictionary<string, (string? Holder, IReadOnlyList<string> Ingress)>();
        foreach (var s in _services)
        {
            before[s.Name] = (await lab.Kubectl.AnnouncingNodeAsync("default", s.Name), await lab.Kubectl.IngressAsync("default", s.Name));
        }

        var seconds = options.ControlOutageSeconds;
        Console.WriteLine($"chaos: {DateTime.UtcNow:HH:mm:ss} control-plane outage: API server down and every controller killed for {seconds} s");
        var down = Stopwatch.GetTimestamp();
        var downWall = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        await lab.StopApiAsync();
        _undo = () => { lab.StartApi(); return Task.CompletedTask; };
        for (var r = 0; r < lab.Controllers.Count; r++)
        {
            if (lab.Controllers[r] is { } controller)
            {
                Kill(controller);
            }
        }

        await DelayAsync(TimeSpan.FromSeconds(seconds), stop);
        await UndoAsync();
        await HealAsync();
        await DelayAsync(TimeSpan.FromSeconds(5), stop); // the new leader relearns; time to (not) move anything
        var up = Stopwatch.GetTimestamp();
        _outage = (down, up);

        var failed = 0;
        var probes = 0;
        var moves = 0;
        var ipChanges = 0;
        foreach (var s in _services)
        {
            var results = s.Prober!.Results.Where(r => r.Started >= down && r.Started < up).ToList();
            probes += results.Count;
            failed += results.Count(r => !r.Succeeded);
            var holder = before[s.Name].Holder is { } h ? lab.Node(h) : null;
            var servedBy = results.Where(r => r.Succeeded).Select(r => lab.NodeByAddress(r.Via)?.Name ?? r.Node).Distinct().ToList();
            var foreign = s.Capture!.ClaimsSoFar().Where(c => c.Time >= downWall && holder is not null && !c.Mac.Equals(holder.Host.Mac, StringComparison.OrdinalIgnoreCase)).Select(c => c.Mac).Distinct().ToList();
            var after = await lab.Kubectl.AnnouncingNodeAsync("default", s.Name);
            if (servedBy.Count > 1 || foreign.Count > 0 || after != before[s.Name].Holder)
            {
                moves++;
                Console.WriteLine($"chaos: {s.Name} moved during the outage: holder {before[s.Name].Holder} -> {after}, served by {string.Join(", ", servedBy)}, foreign ARP claims {string.Join(", ", foreign)}");
            }

            if (!(await lab.Kubectl.IngressAsync("default", s.Name)).SequenceEqual(before[s.Name].Ingress))
            {
                ipChanges++;
            }
        }

        metrics["control_outage_seconds"] = seconds;
        metrics["control_outage_probes"] = probes;
        metrics["control_outage_failed_probes"] = failed;
        metrics["control_outage_vip_moves"] = moves;
        metrics["control_outage_ip_changes"] = ipChanges;
        Console.WriteLine($"chaos: data path outlived the control plane for {seconds} s: {failed}/{probes} probes failed, {moves} VIP moves, {ipChanges} IP changes");
    }

    private async Task CollectAsync(SortedDictionary<string, double> metrics)
    {
        var all = new List<ProbeResult>();
        var splitBrain = 0;
        foreach (var s in _services)
        {
            all.AddRange(await s.Prober!.StopAsync());
            var claims = await s.Capture!.StopAsync();
            var episodes = ArpCapture.SplitBrainEpisodes(claims, TimeSpan.FromSeconds(2));
            if (episodes > 0)
            {
                Console.WriteLine($"chaos: {s.Name}: {episodes} split-brain episodes in the ARP capture (arp-{s.Name}.log)");
            }

            splitBrain += episodes;
        }

        metrics["split_brain_violations"] = splitBrain;
        metrics["probes"] = all.Count;
        List<(FaultKind Kind, long From, long To)> windows;
        lock (_gate)
        {
            windows = [.. _windows];
        }

        foreach (var group in windows.GroupBy(w => w.Kind))
        {
            var inWindow = all.Where(r => group.Any(w => r.Started >= w.From && r.Started < w.To)).ToList();
            metrics[$"probe_success_ratio_{Name(group.Key)}"] = Ratio(inWindow);
        }

        // Probes outside every fault and the control-plane outage are the steady state.
        var steady = all.Where(r => !windows.Any(w => r.Started >= w.From && r.Started < w.To)
            && !(_outage is { } o && r.Started >= o.From && r.Started < o.To)).ToList();
        metrics["probe_success_ratio_steady"] = Ratio(steady);
        metrics["probe_success_ratio_all"] = Ratio(all);
    }

    private static double Ratio(List<ProbeResult> results) =>
        results.Count == 0 ? 1 : Math.Round(results.Count(r => r.Succeeded) / (double)results.Count, 5);

    private static async Task DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
        }
        catch (OperationCanceledException)
        {
            // Stopping: the caller undoes the fault.
        }
    }

    /// <summary>The metric name of a fault kind: speaker_sigkill, api_5xx, …</summary>
    public static string Name(FaultKind kind) => kind switch
    {
        FaultKind.SpeakerSigkill => "speaker_sigkill",
        FaultKind.SpeakerSigstop => "speaker_sigstop",
        FaultKind.LinkFlap => "link_flap",
        FaultKind.LeaderKill => "leader_kill",
        FaultKind.ApiLatency => "api_latency",
        FaultKind.Api5xx => "api_5xx",
        FaultKind.ApiOutage => "api_outage",
        FaultKind.BridgeNetem => "bridge_netem",
        FaultKind.Partition => "partition",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private sealed class Watched(string name, IPEndPoint vip, IReadOnlyList<string> ingress)
    {
        public string Name { get; } = name;

        public IPEndPoint Vip { get; } = vip;

        public IReadOnlyList<string> LastIngress { get; set; } = ingress;

        public ArpCapture? Capture { get; set; }

        public ClientProber? Prober { get; set; }
    }
}
