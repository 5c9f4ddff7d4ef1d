using System.Diagnostics;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.E2E;

/// <summary>Faults while the client probes the VIP every 10 ms with a new connection each time.</summary>
[Collection(E2EGroup.Name)]
public sealed class FailoverTests(E2EFixture e2e)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    [DataPlaneFact]
    public Task KilledSpeakerFailsOverToAnotherNode() =>
        FailOverAsync("kill", (lab, holder) => { holder.Speaker!.Signal(LabProcess.SigKill); return Task.CompletedTask; });

    [DataPlaneFact]
    public Task NodeLinkDownFailsOverToAnotherNode() =>
        FailOverAsync("link", (lab, holder) => lab.SetLinkAsync(holder, up: false));

    [DataPlaneFact]
    public Task DrainBySigtermHandsOverWithoutAFailedRequest() => OnServiceAsync("drain", async (lab, name, vip, holder) =>
    {
        var (results, fault) = await ProbeAroundAsync(lab, vip, async () =>
        {
            holder.Speaker!.Signal(LabProcess.SigTerm);
            Assert.True(await holder.Speaker.WaitForExitAsync(Generous), "the draining speaker did not exit");
        }, (prober, at) => ProbeAnalysis.OutageMs(prober.Results, at, r => e2e.ServedBy(r) != holder.Name) is not null);
        Assert.NotNull(ProbeAnalysis.OutageMs(results, fault, r => e2e.ServedBy(r) != holder.Name));
        var failed = results.Where(r => r.Started >= fault && !r.Succeeded).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} requests failed during the drain: "
            + string.Join(", ", failed.Select(f => E2EFixture.Invariant($"{f.Error} (started {Stopwatch.GetElapsedTime(fault, f.Started).TotalMilliseconds:F0} ms after SIGTERM, took {f.LatencyMs:F0} ms)"))));
    });

    [DataPlaneFact]
    public Task PartitionedHolderStopsAnsweringArpOnceTheNewHolderClaims() => OnServiceAsync("part", async (lab, name, vip, holder) =>
    {
        await using var capture = await ArpCapture.StartAsync(lab.Client, vip.Address.ToString(), Path.Combine(lab.WorkDirectory, $"arp-{name}.log"));
        capture.StartAsking(lab.Client, TimeSpan.FromSeconds(90));
        await Task.Delay(TimeSpan.FromSeconds(1));
        await lab.BlockCoordinatorAsync(holder, block: true);
        Assert.NotEqual(holder.Name, await WaitForOtherAnnouncerAsync(name, holder.Name));
        await Task.Delay(TimeSpan.FromSeconds(3));
        var claims = await capture.StopAsync();
        Assert.Contains(claims, c => c.Mac == holder.Host.Mac);
        var overlap = ArpCapture.OverlapMs(claims, holder.Host.Mac);
        Assert.NotNull(overlap);
        Assert.Equal(0, overlap.Value);
        // And the new holder really carries the traffic.
        Assert.NotNull(await e2e.WaitForTrafficAsync(vip, Generous, r => e2e.ServedBy(r) != holder.Name));
    });

    [DataPlaneFact]
    public Task LeaderFailoverKeepsTheAddressAndTheTraffic() => OnServiceAsync("leader", async (lab, name, vip, _) =>
    {
        var leader = await Kubectl.WaitForAsync(async () => await lab.LeaderAsync() is { } l ? (object)l : null, Generous) as int?
            ?? throw new TimeoutException("no controller holds the leader Lease");
        var (results, fault) = await ProbeAroundAsync(lab, vip, async () =>
        {
            lab.Controllers[leader]!.Signal(LabProcess.SigKill);
            Assert.NotNull(await Kubectl.WaitForAsync(async () => await lab.LeaderAsync() is { } l && l != leader ? (object)l : null, Generous));
            // The new leader relearns the speakers' holdings; give it time to (not) change anything.
            await Task.Delay(TimeSpan.FromSeconds(5));
        });
        Assert.Equal([vip.Address.ToString()], await e2e.Kubectl.IngressAsync("default", name));
        Assert.Equal(0, ProbeAnalysis.FailedBetween(results, fault, long.MaxValue));
    });

    [DataPlaneFact]
    public Task ControllerRestartKeepsTheAddressAndTheTraffic() => OnServiceAsync("restart", async (lab, name, vip, _) =>
    {
        var (results, fault) = await ProbeAroundAsync(lab, vip, async () =>
        {
            for (var r = 0; r < lab.Controllers.Count; r++)
            {
                await lab.StopControllerAsync(r, LabProcess.SigTerm);
            }

            for (var r = 0; r < lab.Controllers.Count; r++)
            {
                lab.StartController(r);
            }

            Assert.NotNull(await Kubectl.WaitForAsync(async () => await lab.LeaderAsync() is { } l ? (object)l : null, Generous));
            await Task.Delay(TimeSpan.FromSeconds(5));
        });
        Assert.Equal([vip.Address.ToString()], await e2e.Kubectl.IngressAsync("default", name));
        Assert.Equal(0, ProbeAnalysis.FailedBetween(results, fault, long.MaxValue));
    });

    /// <summary>
    /// Probes the VIP every 10 ms, runs <paramref name="fault"/>, then waits (bounded) for
    /// <paramref name="settled"/> and lets the probes in flight finish; returns every probe and the fault's timestamp.
    /// </summary>
    private static async Task<(IReadOnlyList<ProbeResult> Results, long Fault)> ProbeAroundAsync(
        LabCluster lab, System.Net.IPEndPoint vip, Func<Task> fault, Func<ClientProber, long, bool>? settled = null)
    {
        await using var prober = new ClientProber(lab.ClientThread, vip, new ProberOptions { MaxDuration = TimeSpan.FromMinutes(3) });
        prober.Start();
        await Task.Delay(500);
        var at = Stopwatch.GetTimestamp();
        await fault();
        if (settled is not null)
        {
            await WaitUntilAsync(() => settled(prober, at));
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        return (await prober.StopAsync(), at);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }

    private async Task<string?> WaitForOtherAnnouncerAsync(string service, string old) =>
        await Kubectl.WaitForAsync(async () => await e2e.AnnouncingNodeAsync(service) is { } n && n != old ? n : null, Generous);

    private Task FailOverAsync(string prefix, Func<LabCluster, LabNode, Task> fault) => OnServiceAsync(prefix, async (lab, name, vip, holder) =>
    {
        var (results, fault0) = await ProbeAroundAsync(lab, vip, () => fault(lab, holder),
            (prober, at) => ProbeAnalysis.OutageMs(prober.Results, at, r => e2e.ServedBy(r) != holder.Name) is not null);
        Assert.NotNull(ProbeAnalysis.OutageMs(results, fault0, r => e2e.ServedBy(r) != holder.Name));
        Assert.NotEqual(holder.Name, await WaitForOtherAnnouncerAsync(name, holder.Name));
    });

    /// <summary>Runs <paramref name="test"/> on a fresh Service that carries traffic; removes it and heals the lab afterwards.</summary>
    private async Task OnServiceAsync(string prefix, Func<LabCluster, string, System.Net.IPEndPoint, LabNode, Task> test)
    {
        var (lab, name, vip, holder) = await StartServiceAsync(prefix);
        try
        {
            await test(lab, name, vip, holder);
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
            await e2e.HealAsync();
        }
    }

    /// <summary>A Service carrying traffic, and the node that holds its VIP (as the traffic and the annotation agree).</summary>
    private async Task<(LabCluster Lab, string Name, System.Net.IPEndPoint Vip, LabNode Holder)> StartServiceAsync(string prefix)
    {
        await e2e.HealAsync();
        var lab = e2e.RequireLab;
        var name = E2EFixture.Unique(prefix);
        var ips = await e2e.CreateServedServiceAsync(name, [80]);
        var vip = E2EFixture.EndPoint(ips[0], 80);
        var holder = await e2e.WaitForServingHolderAsync(name, vip, Generous);
        return (lab, name, vip, holder);
    }
}
