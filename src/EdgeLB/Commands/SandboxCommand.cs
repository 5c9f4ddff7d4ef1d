using System.CommandLine;
using System.Diagnostics;
using System.Net;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.Commands;

/// <summary>
/// <c>edgelb sandbox</c>: the whole system in a network-namespace lab on this machine (what
/// hack/sandbox.sh runs). It creates a pool and a LoadBalancer Service, shows the EXTERNAL-IP,
/// requests the VIP from the client host, kills the announcing node's speaker and shows traffic
/// continue through another node with the measured outage, then removes everything (also on Ctrl-C).
/// </summary>
internal static class SandboxCommand
{
    private const string ServiceName = "web";

    /// <summary>The demo Service's nodePort, chosen so its backends can answer before the Service exists.</summary>
    private const int DemoNodePort = 30080;

    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Leave the lab running after the demo (until Ctrl-C) and print how to use it." };
        var nodes = new Option<int>("--nodes") { Description = "Number of node hosts.", DefaultValueFactory = _ => 3 };
        var command = new Command("sandbox", "Run EdgeLB in a network-namespace lab on this machine (needs root).") { keep, nodes };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(keep), parse.GetValue(nodes), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    private static async Task<int> RunAsync(bool keep, int nodes, TextWriter output, TextWriter error, CancellationToken ct)
    {
        if (!NetworkLab.IsSupported)
        {
            await error.WriteLineAsync("edgelb sandbox: needs Linux, root and iproute2 (it creates network namespaces)");
            return 2;
        }

        if (nodes is < 2 or > 20)
        {
            await error.WriteLineAsync("edgelb sandbox: --nodes must be between 2 and 20");
            return 2;
        }

        var edgelb = Environment.ProcessPath ?? "edgelb";
        var began = Stopwatch.GetTimestamp();
        LabCluster? lab = null;
        try
        {
            await output.WriteLineAsync("== session timings relaxed for a shared machine: heartbeat 250 ms, speaker lease 2 s (a killed speaker still fails over at once)");
            lab = await LabCluster.StartAsync(
                new LabClusterOptions { Edgelb = edgelb, Nodes = nodes, Environment = LabClusterOptions.RelaxedSessionTimings },
                line => output.WriteLine($"== {line}"),
                ct);
            await DemoAsync(lab, edgelb, output, ct);
            if (keep)
            {
                await PrintUsageAsync(lab, output);
                await Task.Delay(Timeout.Infinite, ct);
            }

            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync("== interrupted");
            return 130;
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            await error.WriteLineAsync($"edgelb sandbox: {ex.Message}");
            if (lab is not null)
            {
                foreach (var log in Directory.GetFiles(lab.WorkDirectory, "*.log"))
                {
                    await error.WriteLineAsync($"--- {Path.GetFileName(log)} (last lines)");
                    await error.WriteLineAsync(string.Join('\n', (await File.ReadAllLinesAsync(log, CancellationToken.None)).TakeLast(15)));
                }
            }

            return 1;
        }
        finally
        {
            if (lab is not null)
            {
                await output.WriteLineAsync("== tearing down: stopping processes, removing namespaces");
                var namespaces = lab.Network?.Namespaces.ToList() ?? [];
                await lab.DisposeAsync();
                var left = (await ProcessRunner.RunAsync("ip", ["netns", "list"], check: false)).Split('\n').Count(l => namespaces.Contains(l.Split(' ')[0], StringComparer.Ordinal));
                await output.WriteLineAsync($"   removed {namespaces.Count} namespaces ({left} left); took {Stopwatch.GetElapsedTime(began).TotalSeconds:F0} s in all");
            }
        }
    }

    private static async Task DemoAsync(LabCluster lab, string edgelb, TextWriter output, CancellationToken ct)
    {
        // The stand-in pods and NodePorts answer before the Service exists, as for a Service put in front
        // of a running Deployment (the controller does not yet recover from NodePorts that refused at first:
        // docs/coordinator.md, Known problems).
        await lab.ServeAsync("default", ServiceName, [new LabServicePort("http", 8080, "TCP", DemoNodePort)], local: false, healthCheckNodePort: null);
        await output.WriteLineAsync("== creating a LoadBalancer Service (kubectl apply)");
        await lab.Kubectl.ApplyAsync($"""
            apiVersion: v1
            kind: Service
            metadata: {"{"}name: {ServiceName}, namespace: default{"}"}
            spec:
              type: LoadBalancer
              selector: {"{"}app: {ServiceName}{"}"}
              ports: [{"{"}name: http, port: 80, targetPort: 8080, nodePort: {DemoNodePort}{"}"}]
            """);
        var ips = await lab.Kubectl.WaitForIngressAsync("default", ServiceName, TimeSpan.FromSeconds(60))
            ?? throw new TimeoutException($"the Service got no EXTERNAL-IP within 60 s; see {lab.WorkDirectory}/controller-0.log");
        await output.WriteLineAsync("== kubectl get svc");
        await output.WriteAsync(await lab.Kubectl.RunAsync("get", "svc", ServiceName));
        await output.WriteLineAsync("== kubectl describe svc (events)");
        var describe = await lab.Kubectl.RunAsync("describe", "svc", ServiceName);
        await output.WriteAsync(describe[Math.Max(0, describe.IndexOf("Events:", StringComparison.Ordinal))..]);
        await output.WriteLineAsync("== kubectl get ipaddresspools");
        await output.WriteAsync(await lab.Kubectl.RunAsync("get", "ipaddresspools", "-n", LabCluster.SystemNamespace,
            "-o", "custom-columns=NAME:.metadata.name,ASSIGNED:.status.assignedIPv4,AVAILABLE:.status.availableIPv4"));

        if (!lab.SpeakersRunning)
        {
            await output.WriteLineAsync("== this build has no `edgelb speaker` yet: the control plane runs, traffic does not (no node announces the VIP)");
            return;
        }

        var vip = new IPEndPoint(IPAddress.Parse(ips[0]), 80);
        await output.WriteLineAsync($"== requests from the client ({lab.Client.IPv4}) to http://{vip}/");
        var first = await WaitForAnswerAsync(lab, vip, TimeSpan.FromSeconds(60), ct)
            ?? throw new TimeoutException($"no answer from {vip} within 60 s; see the speaker logs in {lab.WorkDirectory}");
        for (var i = 0; i < 6; i++)
        {
            var r = i == 0 ? first : await ClientProber.ProbeOnceAsync(lab.ClientThread, vip, TimeSpan.FromSeconds(2), ct);
            await output.WriteLineAsync($"   {Describe(lab, r)}");
        }

        if (await LabCluster.HasCommandAsync(edgelb, "status"))
        {
            await output.WriteLineAsync("== edgelb status");
            var leader = await lab.LeaderAsync() ?? 0;
            var (_, status) = await TryRunAsync("ip", "netns", "exec", lab.Client.Namespace, edgelb, "status", "--controller", lab.CoordinatorAddress(leader));
            await output.WriteAsync(status);
        }

        var holder = lab.NodeByAddress(first.Via)
            ?? (await lab.Kubectl.AnnouncingNodeAsync("default", ServiceName) is { } name ? lab.Node(name) : null)
            ?? throw new InvalidOperationException("could not tell which node announces the VIP");
        await output.WriteLineAsync($"== killing the speaker of {holder.Name}, which announces {vip.Address} (SIGKILL), while the client probes every 10 ms");
        await using var prober = new ClientProber(lab.ClientThread, vip, new ProberOptions { MaxDuration = TimeSpan.FromSeconds(30) });
        prober.Start();
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var fault = Stopwatch.GetTimestamp();
        holder.Speaker!.Signal(LabProcess.SigKill);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline && ProbeAnalysis.OutageMs(prober.Results, fault, r => ServedBy(lab, r) != holder.Name) is null)
        {
            await Task.Delay(100, ct);
        }

        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        var results = await prober.StopAsync();
        var outage = ProbeAnalysis.OutageMs(results, fault, r => ServedBy(lab, r) != holder.Name);
        var failed = ProbeAnalysis.FailedBetween(results, fault, long.MaxValue);
        await output.WriteLineAsync(outage is { } ms
            ? $"   traffic continued through another node after {ms:F0} ms ({failed} of {results.Count(r => r.Started >= fault)} probes after the kill failed)"
            : "   traffic did not come back within 20 s");
        await output.WriteLineAsync($"== requests after the failover");
        for (var i = 0; i < 4; i++)
        {
            await output.WriteLineAsync($"   {Describe(lab, await ClientProber.ProbeOnceAsync(lab.ClientThread, vip, TimeSpan.FromSeconds(2), ct))}");
        }

        await output.WriteLineAsync("== kubectl get svc");
        await output.WriteAsync(await lab.Kubectl.RunAsync("get", "svc", ServiceName));
    }

    private static async Task<ProbeResult?> WaitForAnswerAsync(LabCluster lab, IPEndPoint vip, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var r = await ClientProber.ProbeOnceAsync(lab.ClientThread, vip, TimeSpan.FromSeconds(1), ct);
            if (r.Succeeded)
            {
                return r;
            }

            await Task.Delay(200, ct);
        }

        return null;
    }

    /// <summary>The node that received the client's connection: the forwarding node when the backend saw one, else the backend's.</summary>
    private static string? ServedBy(LabCluster lab, ProbeResult r) => lab.NodeByAddress(r.Via)?.Name ?? r.Node;

    private static string Describe(LabCluster lab, ProbeResult r) =>
        r.Succeeded
            ? $"answered by {r.Node}'s NodePort" + (lab.NodeByAddress(r.Via) is { } via ? $", forwarded by {via.Name} (the announcing node)" : "") + $" in {r.LatencyMs:F1} ms"
            : $"failed: {r.Error}";

    private static async Task<(bool Ok, string Output)> TryRunAsync(string file, params string[] args)
    {
        try
        {
            return (true, await ProcessRunner.RunAsync(file, args));
        }
        catch (InvalidOperationException ex)
        {
            return (false, ex.Message + "\n");
        }
    }

    private static async Task PrintUsageAsync(LabCluster lab, TextWriter output)
    {
        var ips = await lab.Kubectl.IngressAsync("default", ServiceName);
        var vip = ips.Count > 0 ? ips[0] : "<EXTERNAL-IP>";
        await output.WriteLineAsync($"""

            The lab keeps running until you press Ctrl-C (then everything is removed).
              export KUBECONFIG={lab.Kubectl.Kubeconfig}
              kubectl get svc -A; kubectl get ipaddresspools,l2advertisements -A; kubectl get events -A
              ip netns exec {lab.Client.Namespace} curl -s http://{vip}/
              ip netns exec {lab.Client.Namespace} arping -c 3 -I eth0 {vip}
              ip netns exec {lab.Client.Namespace} ip neigh
              ip netns exec {lab.Client.Namespace} {Environment.ProcessPath} status --controller {lab.CoordinatorAddress(0)}
            Namespaces: {string.Join(' ', lab.Network.Namespaces)}
            Logs: {lab.WorkDirectory}/*.log
            """);
    }
}
