using System.Globalization;
using EdgeLB.Net.Ethernet;
using EdgeLB.Sandbox.Lab;
using Xunit.Abstractions;

namespace EdgeLB.E2E;

/// <summary>
/// Forged claims of a VIP from a rogue host on the segment while the client probes it every 10 ms:
/// a claim is evidence, not an order. Nothing moves, no request fails, and the client's neighbour
/// entry is back at the holder's MAC within 50 ms of each forged frame (from the client's capture,
/// kernel timestamps: the kernel updates the entry from each frame as it arrives).
/// </summary>
[Collection(E2EGroup.Name)]
public sealed class ForgedClaimTests(E2EFixture e2e, ITestOutputHelper output)
{
    private const int Frames = 3;
    private const double RestoreLimitMs = 50;
    private const string Announcing = "edgelb.io/announcing-node";
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    /// <summary>Locally administered, belongs to no lab host.</summary>
    private static readonly MacAddress UnknownMac = MacAddress.Parse("02:00:5e:10:00:66");

    /// <summary>Whose MAC the forged frames carry.</summary>
    public enum Claimant
    {
        /// <summary>A MAC no lab host has.</summary>
        Unknown,

        /// <summary>The node that neither holds the VIP nor stands by for it.</summary>
        Peer,

        /// <summary>The VIP's standby, which forwards its ports (ready to take over) without announcing it.</summary>
        Standby,
    }

    [DataPlaneFact]
    public Task GratuitousArpWithAPeersMac_MovesNothing_AndTheHolderDefends() => ForgeAsync("fpeer4", ipv6: false, Claimant.Peer);

    [DataPlaneFact]
    public Task GratuitousArpWithAnUnknownMac_IsDefendedAtOnce_WithAWarningEvent() => ForgeAsync("funk4", ipv6: false, Claimant.Unknown);

    [DataPlaneFact]
    public Task NeighborAdvertisementWithAnUnknownMac_IsDefendedAtOnce_WithAWarningEvent() => ForgeAsync("funk6", ipv6: true, Claimant.Unknown);

    [DataPlaneFact]
    public Task NeighborAdvertisementWithAPeersMac_MovesNothing_AndTheHolderDefends() => ForgeAsync("fpeer6", ipv6: true, Claimant.Peer);

    [DataPlaneFact(KnownProblem = "with the standby's MAC, new connections reach the standby (which forwards the VIP) until the controller's Defend restores the client's entry, one round trip later (2-22 ms measured); those whose handshake straddles that moment are reset (2 of 823 probes in one run)")]
    public Task GratuitousArpWithTheStandbysMac_MovesNothing_AndFailsNoRequest() => ForgeAsync("fstby4", ipv6: false, Claimant.Standby);

    private async Task ForgeAsync(string prefix, bool ipv6, Claimant claimant)
    {
        await e2e.HealAsync();
        var lab = e2e.RequireLab;
        var name = E2EFixture.Unique(prefix);
        using var forger = await ClaimForger.StartAsync(lab);
        var logs = lab.Nodes.ToDictionary(n => n.Name, n => Path.Combine(lab.WorkDirectory, $"speaker-{n.Name}.log"));
        var logStarts = logs.ToDictionary(l => l.Key, l => File.Exists(l.Value) ? new FileInfo(l.Value).Length : 0);
        try
        {
            var ips = await e2e.CreateServedServiceAsync(name, [80], ipv6 ? "  ipFamilyPolicy: SingleStack\n  ipFamilies: [IPv6]" : "");
            var vip = E2EFixture.EndPoint(ips[0], 80);
            var holder = await e2e.WaitForServingHolderAsync(name, vip, Generous);
            var announcing = await e2e.Kubectl.ServiceAnnotationAsync("default", name, Announcing);
            var standby = await Kubectl.WaitForAsync(
                () => Task.FromResult(lab.Nodes.FirstOrDefault(n => n != holder && LogSince(logs[n.Name], logStarts[n.Name]).Contains($"Standing by for {vip.Address}:", StringComparison.Ordinal))),
                TimeSpan.FromSeconds(10));
            var forged = claimant switch
            {
                Claimant.Unknown => UnknownMac.ToString(),
                Claimant.Standby => (standby ?? throw new TimeoutException($"no node stands by for {vip.Address}")).Host.Mac,
                _ => lab.Nodes.First(n => n != holder && n != standby).Host.Mac,
            };

            // The holder's own repeats (0.5, 2 and 5 s after its Assignment) are over by then, so a
            // claim of the holder's right after a forged frame is its defence.
            await Task.Delay(TimeSpan.FromSeconds(5));
            await using var capture = await ArpCapture.StartAsync(lab.Client, vip.Address.ToString(), Path.Combine(lab.WorkDirectory, $"claims-{name}.log"));
            await using var prober = new ClientProber(lab.ClientThread, vip, new ProberOptions { MaxDuration = TimeSpan.FromMinutes(2) });
            prober.Start();
            await Task.Delay(500);
            var restored = new List<double>();
            for (var i = 0; i < Frames; i++)
            {
                var seen = capture.ClaimsSoFar().Count;
                await forger.ClaimAsync(vip.Address, MacAddress.Parse(forged));
                var ms = await Kubectl.WaitForAsync(
                    () => Task.FromResult(ArpCapture.RestoredMs([.. capture.ClaimsSoFar().Skip(seen)], forged, holder.Host.Mac) is { } gap ? (object)gap : null),
                    TimeSpan.FromSeconds(10),
                    TimeSpan.FromMilliseconds(50)) as double?;
                Assert.True(ms is not null, $"frame {i + 1}: the client's capture has no claim by {forged} followed by one of the holder's ({holder.Host.Mac})");
                restored.Add(ms.Value);

                // Past the defend interval (1 s), so each frame is answered at once rather than at its end.
                await Task.Delay(TimeSpan.FromSeconds(1.5));
            }

            var results = await prober.StopAsync();
            var neighbour = await lab.Client.RunAsync("ip", "neigh", "show", vip.Address.ToString(), "dev", "eth0");
            output.WriteLine(E2EFixture.Invariant($"{name}: forged by {forged} ({claimant}), holder {holder.Name} ({holder.Host.Mac}), standby {standby?.Name}; client entry back after {string.Join(", ", restored.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))} ms; {results.Count} probes, {results.Count(r => !r.Succeeded)} failed; neighbour: {neighbour.Trim()}"));

            Assert.All(restored, ms => Assert.InRange(ms, 0, RestoreLimitMs));
            Assert.Contains(holder.Host.Mac, neighbour, StringComparison.OrdinalIgnoreCase);
            var failed = results.Where(r => !r.Succeeded).ToList();
            Assert.True(failed.Count == 0, $"{failed.Count} of {results.Count} requests failed: {string.Join(", ", failed.Select(f => f.Error).Distinct())}");
            Assert.Equal(announcing, await e2e.Kubectl.ServiceAnnotationAsync("default", name, Announcing)); // same node, same epoch
            Assert.NotNull(await Kubectl.WaitForAsync(
                async () => (await e2e.WarningReasonsAsync(name)).Contains("AddressConflict") ? "raised" : null, Generous));
        }
        finally
        {
            await e2e.DeleteServiceAsync(name);
        }
    }

    private static string LogSince(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
