using System.Diagnostics;
using System.Globalization;
using EdgeLB.Sandbox.Lab;

namespace EdgeLB.E2E;

/// <summary>
/// The data path outlives the control plane: with the API server off the network and every
/// controller killed, each VIP keeps serving from its holder, and nothing moves when they return.
/// </summary>
[Collection(E2EGroup.Name)]
public sealed class ControlPlaneOutageTests(E2EFixture e2e)
{
    /// <summary>Seconds the control plane stays down (default 20; the 10-minute case is 600).</summary>
    public const string OutageVariable = "EDGELB_E2E_CONTROL_OUTAGE_SECONDS";

    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static TimeSpan Outage =>
        Environment.GetEnvironmentVariable(OutageVariable) is { Length: > 0 } text
            && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(20);

    [DataPlaneFact]
    public async Task ControlPlaneOutageKeepsEveryVipOnItsHolder()
    {
        await e2e.HealAsync();
        var lab = e2e.RequireLab;
        var outage = Outage;
        var services = new List<Watched>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var name = E2EFixture.Unique("outage");
                var ips = await e2e.CreateServedServiceAsync(name, [80]);
                var vip = E2EFixture.EndPoint(ips[0], 80);
                var holder = await e2e.WaitForServingHolderAsync(name, vip, Generous);
                services.Add(new Watched(name, vip, holder, ips));
            }

            // Bounded: the outage, the control plane's return, and room to spare.
            var watchFor = outage + TimeSpan.FromMinutes(3);
            var interval = outage > TimeSpan.FromMinutes(2) ? TimeSpan.FromMilliseconds(50) : TimeSpan.FromMilliseconds(10);
            foreach (var s in services)
            {
                s.Capture = await ArpCapture.StartAsync(lab.Client, s.Vip.Address.ToString(), Path.Combine(lab.WorkDirectory, $"arp-{s.Name}.log"));
                s.Capture.StartAsking(lab.Client, watchFor);
                s.Prober = new ClientProber(lab.ClientThread, s.Vip, new ProberOptions { Interval = interval, MaxDuration = watchFor, MaxProbes = (int)(watchFor / interval) + 1 });
                s.Prober.Start();
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
            var down = Stopwatch.GetTimestamp();
            await lab.StopApiAsync();
            for (var r = 0; r < lab.Controllers.Count; r++)
            {
                await lab.StopControllerAsync(r, LabProcess.SigKill);
            }

            await Task.Delay(outage);
            foreach (var s in services)
            {
                Assert.True(s.Prober!.Results.Any(r => r.Started >= down), $"no probe of {s.Vip} ran during the outage");
            }

            lab.StartApi();
            for (var r = 0; r < lab.Controllers.Count; r++)
            {
                lab.StartController(r);
            }

            Assert.NotNull(await Kubectl.WaitForAsync(async () => await lab.LeaderAsync() is { } l ? (object)l : null, Generous));
            await lab.WaitForControllerReadyAsync(Generous);
            foreach (var node in lab.Nodes)
            {
                Assert.True(await WaitForReadyAsync(lab, node), $"the speaker of {node.Name} found no leader after the outage");
            }

            // The new leader relearns the holdings; give it time to (not) change anything.
            await Task.Delay(TimeSpan.FromSeconds(5));
            foreach (var s in services)
            {
                var results = await s.Prober!.StopAsync();
                var claims = await s.Capture!.StopAsync();
                var failed = results.Where(r => !r.Succeeded).ToList();
                Assert.True(failed.Count == 0, $"{s.Vip}: {failed.Count} of {results.Count} probes failed: "
                    + string.Join(", ", failed.Take(5).Select(f => E2EFixture.Invariant($"{f.Error} ({Stopwatch.GetElapsedTime(down, f.Started).TotalSeconds:F1} s after the outage began)"))));
                Assert.True(results.Any(r => r.Started >= down), $"{s.Vip}: no probe after the outage began");
                Assert.All(results, r => Assert.Equal(s.Holder.Name, e2e.ServedBy(r)));
                Assert.NotEmpty(claims);
                var others = claims.Where(c => !c.Mac.Equals(s.Holder.Host.Mac, StringComparison.OrdinalIgnoreCase)).Select(c => c.Mac).Distinct().ToList();
                Assert.True(others.Count == 0, $"{s.Vip}: claimed on the wire by {string.Join(", ", others)} besides its holder {s.Holder.Host.Mac}");
                Assert.Equal(s.Ingress, await e2e.Kubectl.IngressAsync("default", s.Name));
                Assert.Equal(s.Holder.Name, await e2e.AnnouncingNodeAsync(s.Name));
            }
        }
        finally
        {
            foreach (var s in services)
            {
                if (s.Prober is not null)
                {
                    await s.Prober.DisposeAsync();
                }

                if (s.Capture is not null)
                {
                    await s.Capture.DisposeAsync();
                }

                await e2e.DeleteServiceAsync(s.Name);
            }

            await e2e.HealAsync();
        }
    }

    private static async Task<bool> WaitForReadyAsync(LabCluster lab, LabNode node)
    {
        var deadline = DateTime.UtcNow + Generous;
        while (!await lab.SpeakerReadyAsync(node))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(250);
        }

        return true;
    }

    private sealed class Watched(string name, System.Net.IPEndPoint vip, LabNode holder, IReadOnlyList<string> ingress)
    {
        public string Name { get; } = name;

        public System.Net.IPEndPoint Vip { get; } = vip;

        public LabNode Holder { get; } = holder;

        public IReadOnlyList<string> Ingress { get; } = ingress;

        public ArpCapture? Capture { get; set; }

        public ClientProber? Prober { get; set; }
    }
}
