using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeLB.Net.Ethernet;
using EdgeLB.Net.Interfaces;
using EdgeLB.Speaker.Announcing;
using EdgeLB.Sandbox.Lab;
using Xunit.Abstractions;

namespace EdgeLB.Speaker.Tests.Announcing.Lab;

/// <summary>
/// The announcer against real kernels: a client and node namespaces on one bridge; arping and the
/// client's own neighbour cache are the referees.
/// </summary>
public class AnnouncerLabTests(ITestOutputHelper output)
{
    [NetworkFact]
    public async Task Arping_IsAnsweredWithNode1Mac_OnlyForHeldAddresses()
    {
        await using var lab = await NetworkLab.CreateAsync("arping");
        var client = await lab.AddHostAsync("client");
        using var node1 = new LabSpeaker(await lab.AddHostAsync("node1"));
        var vip = $"198.18.{lab.Subnet}.100";
        var other = $"198.18.{lab.Subnet}.101";

        Assert.True(node1.Announcer.Assign(IPAddress.Parse(vip), "eth0", 1, TimeSpan.FromMinutes(1)));

        var answered = await Arping(client, vip);
        output.WriteLine(answered);
        Assert.Contains(node1.Mac.ToString(), answered, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("1 packets received", answered, StringComparison.Ordinal);

        var silent = await Arping(client, other);
        output.WriteLine(silent);
        Assert.Contains("0 packets received", silent, StringComparison.Ordinal);
        Assert.DoesNotContain(node1.Mac.ToString(), silent, StringComparison.OrdinalIgnoreCase);
    }

    [NetworkFact]
    public async Task Handover_IPv4_ClientNeighbourSwitchesWithin50ms_AndRevokedNodeGoesQuiet()
    {
        await using var lab = await NetworkLab.CreateAsync("handover4");
        var client = await lab.AddHostAsync("client");
        using var first = new LabSpeaker(await lab.AddHostAsync("node1"));
        using var second = new LabSpeaker(await lab.AddHostAsync("node2"));
        var (node1, node2) = (first, second);
        await client.SysctlAsync("net.ipv4.conf.eth0.arp_accept", "1");
        var vip = IPAddress.Parse($"198.18.{lab.Subnet}.100");
        node2.Announcer.Preflight("eth0"); // open node2's socket now, as a speaker does at start

        Assert.True(node1.Announcer.Assign(vip, "eth0", 1, TimeSpan.FromMinutes(1)));
        using var clientThread = client.EnterThread();
        ClientProbe.Touch(clientThread, vip);
        await ClientProbe.WaitForNeighbour(clientThread, vip, node1.Mac, TimeSpan.FromSeconds(3));

        // The switch is timed from node2's Assign call to the change in the client's neighbour table.
        // On a loaded two-core machine one sample can catch a scheduler stall, so up to three handovers
        // (back and forth) are timed and the fastest must be under 50 ms.
        var (holder, next) = (node1, node2);
        var epoch = 1;
        var samples = new List<double>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // Linux ignores overrides within locktime (1 s) of the entry's last update.
            await Task.Delay(TimeSpan.FromMilliseconds(1100));
            var started = Stopwatch.GetTimestamp();
            Assert.True(next.Announcer.Assign(vip, "eth0", ++epoch, TimeSpan.FromMinutes(1)));
            var switched = SpinUntilNeighbour(clientThread, vip, next.Mac, TimeSpan.FromSeconds(2));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.True(switched, $"client neighbour entry never switched to {next.Host.Role}");
            samples.Add(elapsed);
            output.WriteLine($"client neighbour switched to {next.Host.Role} after {elapsed:F2} ms");
            if (elapsed < 50)
            {
                break;
            }

            Assert.True(holder.Announcer.Revoke(vip));
            (holder, next) = (next, holder);
        }

        Assert.True(samples.Min() < 50, $"handover took {string.Join(", ", samples.Select(x => $"{x:F1}"))} ms");
        (node1, node2) = (holder, next); // node1: the one to revoke, node2: the new holder
        Assert.True(node1.Announcer.Revoke(vip));
        var repliesAtRevoke = node1.Meters.Sum("edgelb.speaker.announcer.replies_sent");
        var after = await Arping(client, vip.ToString(), count: 2);
        output.WriteLine(after);
        Assert.Contains(node2.Mac.ToString(), after, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(node1.Mac.ToString(), after, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(repliesAtRevoke, node1.Meters.Sum("edgelb.speaker.announcer.replies_sent"));
    }

    [NetworkFact]
    public async Task Handover_IPv6_ClientNeighbourCacheResolvesAndSwitches()
    {
        await using var lab = await NetworkLab.CreateAsync("handover6");
        var client = await lab.AddHostAsync("client");
        using var first = new LabSpeaker(await lab.AddHostAsync("node1"));
        using var second = new LabSpeaker(await lab.AddHostAsync("node2"));
        var (node1, node2) = (first, second);
        var vip = IPAddress.Parse($"2001:db8:{lab.Subnet:x}::100");
        node2.Announcer.Preflight("eth0");

        Assert.True(node1.Announcer.Assign(vip, "eth0", 1, TimeSpan.FromMinutes(1)));
        using var clientThread = client.EnterThread();
        ClientProbe.Touch(clientThread, vip);
        await ClientProbe.WaitForNeighbour(clientThread, vip, node1.Mac, TimeSpan.FromSeconds(3));
        Assert.True(node1.Meters.Sum("edgelb.speaker.announcer.replies_sent", "family", "ipv6") >= 1);

        // Timed like the IPv4 case: up to three handovers, the fastest under 50 ms.
        var (holder, next) = (node1, node2);
        var epoch = 1;
        var samples = new List<double>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            var started = Stopwatch.GetTimestamp();
            Assert.True(next.Announcer.Assign(vip, "eth0", ++epoch, TimeSpan.FromMinutes(1)));
            var switched = SpinUntilNeighbour(clientThread, vip, next.Mac, TimeSpan.FromSeconds(2));
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            Assert.True(switched, $"client IPv6 neighbour entry never switched to {next.Host.Role}");
            samples.Add(elapsed);
            output.WriteLine($"client IPv6 neighbour switched to {next.Host.Role} after {elapsed:F2} ms");
            Assert.True(holder.Announcer.Revoke(vip));
            if (elapsed < 50)
            {
                break;
            }

            (holder, next) = (next, holder);
        }

        Assert.True(samples.Min() < 50, $"handover took {string.Join(", ", samples.Select(x => $"{x:F1}"))} ms");
        (node1, node2) = (holder, next);

        // After the revoke only node2 answers: the client's next resolution gets node2 again.
        var neighbours = await client.RunAsync("ip", "-6", "neigh", "show", vip.ToString());
        output.WriteLine(neighbours);
        Assert.Contains(node2.Mac.ToString(), neighbours, StringComparison.OrdinalIgnoreCase);
    }

    [NetworkFact]
    public async Task ForeignHost_AnsweringForAHeldAddress_IsDetectedAsAClaim()
    {
        await using var lab = await NetworkLab.CreateAsync("claim");
        var client = await lab.AddHostAsync("client");
        using var node1 = new LabSpeaker(await lab.AddHostAsync("node1"));
        var rogue = await lab.AddHostAsync("rogue");
        var vip = IPAddress.Parse($"198.18.{lab.Subnet}.100");
        var claims = new List<AddressClaim>();
        using var subscription = node1.Announcer.OnClaim(c =>
        {
            lock (claims)
            {
                claims.Add(c);
            }

            return ClaimVerdict.Ignore;
        });
        Assert.True(node1.Announcer.Assign(vip, "eth0", 1, TimeSpan.FromMinutes(1)));

        // arping -U: gratuitous request for the address; -U -P: the reply form.
        await rogue.RunAsync("arping", "-i", "eth0", "-U", "-S", vip.ToString(), "-c", "1", "-w", "1", vip.ToString()).ContinueWith(_ => { }, TaskScheduler.Default);
        await rogue.RunAsync("arping", "-i", "eth0", "-U", "-P", "-S", vip.ToString(), "-c", "1", "-w", "1", vip.ToString()).ContinueWith(_ => { }, TaskScheduler.Default);

        var rogueMac = MacAddress.Parse(rogue.Mac);
        await WaitFor(() =>
        {
            lock (claims)
            {
                return claims.Any(c => c.Kind == ClaimKind.ArpRequest) && claims.Any(c => c.Kind == ClaimKind.ArpReply);
            }
        });
        lock (claims)
        {
            Assert.All(claims, c => Assert.Equal(rogueMac, c.ClaimantMac));
            Assert.All(claims, c => Assert.Equal(node1.Mac, c.OurMac));
        }

        Assert.True(node1.Meters.Sum("edgelb.speaker.announcer.claims_seen", "interface", "eth0") >= 2);
        Assert.Contains(node1.Logger.Entries, l => l.Message.Contains(rogue.Mac, StringComparison.OrdinalIgnoreCase) && l.Message.Contains(node1.Host.Mac, StringComparison.OrdinalIgnoreCase));
        Assert.True(node1.Announcer.IsAnnouncing(vip)); // an unknown MAC is a conflict to report, not an order
        _ = client;
    }

    [NetworkFact]
    public async Task PeerClaim_WithStepDown_StopsOnTheReceivePathBeforeTheClaimIsPublished()
    {
        await using var lab = await NetworkLab.CreateAsync("stepdown");
        var client = await lab.AddHostAsync("client");
        using var node1 = new LabSpeaker(await lab.AddHostAsync("node1"));
        using var node2 = new LabSpeaker(await lab.AddHostAsync("node2"));
        var vip = IPAddress.Parse($"198.18.{lab.Subnet}.100");
        using var subscription = node1.Announcer.OnClaim(c => c.ClaimantMac == node2.Mac ? ClaimVerdict.StepDown : ClaimVerdict.Ignore);
        node2.Announcer.Preflight("eth0");

        Assert.True(node1.Announcer.Assign(vip, "eth0", 1, TimeSpan.FromMinutes(1)));
        Assert.True(node2.Announcer.Assign(vip, "eth0", 2, TimeSpan.FromMinutes(1)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var claim = await node1.Announcer.Claims.ReadAsync(cts.Token);

        // The step-down runs on the receive thread before the claim reaches the channel, so it has
        // happened by the time the claim can be read. How fast that is belongs to benchmarks, not
        // to a timed assertion; the latency is printed for the record.
        Assert.Equal(ClaimVerdict.StepDown, claim.Verdict);
        Assert.False(node1.Announcer.IsAnnouncing(vip));
        var latency = node1.Meters.Measurements.Single(m => m.Name == "edgelb.speaker.announcer.step_down_latency").Value;
        output.WriteLine($"step-down {latency:F3} ms after the claim frame was read");

        var answer = await Arping(client, vip.ToString(), count: 2);
        Assert.Contains(node2.Mac.ToString(), answer, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(node1.Mac.ToString(), answer, StringComparison.OrdinalIgnoreCase);
    }

    [NetworkFact]
    public async Task LinkBounce_ReannouncesWhenCarrierReturns()
    {
        await using var lab = await NetworkLab.CreateAsync("bounce");
        var options = new AnnouncerOptions { RefreshInterval = TimeSpan.Zero };
        options.RepeatSchedule.Clear(); // only the link watcher can cause a second burst
        using var node1 = new LabSpeaker(await lab.AddHostAsync("node1"), options);
        var vip = IPAddress.Parse($"198.18.{lab.Subnet}.100");
        Assert.True(node1.Announcer.Assign(vip, "eth0", 1, TimeSpan.FromMinutes(1)));
        Assert.Equal(2, node1.Meters.Sum("edgelb.speaker.announcer.gratuitous_sent"));

        await lab.SetLinkAsync(node1.Host, up: false);
        await Task.Delay(300);
        Assert.Equal(2, node1.Meters.Sum("edgelb.speaker.announcer.gratuitous_sent"));
        await lab.SetLinkAsync(node1.Host, up: true);
        await WaitFor(() => node1.Meters.Sum("edgelb.speaker.announcer.gratuitous_sent") >= 4);
        Assert.Contains(node1.Logger.Entries, l => l.Message.Contains("back up", StringComparison.Ordinal));
    }

    [NetworkFact]
    public async Task Preflight_ReadsNamespaceSysctls_AndProbeFindsAddressesInUse()
    {
        await using var lab = await NetworkLab.CreateAsync("preflight");
        var client = await lab.AddHostAsync("client");
        var host = await lab.AddHostAsync("node1");
        await host.SysctlAsync("net.ipv4.conf.eth0.rp_filter", "1");
        await host.SysctlAsync("net.ipv4.conf.all.arp_ignore", "1");
        // kube-proxy uses a dummy device; the dummy module may be missing here, and any link type serves the check.
        await host.RunAsync("ip", "link", "add", "kube-ipvs0", "type", "bridge");
        await host.RunAsync("ip", "addr", "add", $"198.18.{lab.Subnet}.200/32", "dev", "kube-ipvs0");
        using var node1 = new LabSpeaker(host);

        var report = node1.Announcer.Preflight("eth0");
        foreach (var finding in report.Findings)
        {
            output.WriteLine($"{finding.Check}={finding.Value} {finding.Severity}: {finding.Message}");
        }

        Assert.Equal("1", report.Findings.Single(f => f.Check == "rp_filter").Value);
        Assert.Equal(PreflightSeverity.Warning, report.Findings.Single(f => f.Check == "rp_filter").Severity);
        Assert.Equal("1", report.Findings.Single(f => f.Check == "arp_ignore").Value);
        Assert.Equal(PreflightSeverity.Warning, report.Findings.Single(f => f.Check == "kube_ipvs_strict_arp").Severity); // arp_announce still 0

        var taken = await node1.Announcer.ProbeAsync(IPAddress.Parse(client.IPv4), "eth0");
        output.WriteLine($"probe {client.IPv4}: in use {taken.InUse} by {taken.OwnerMac} after {taken.Elapsed.TotalMilliseconds:F1} ms");
        Assert.True(taken.InUse);
        Assert.Equal(MacAddress.Parse(client.Mac), taken.OwnerMac);

        var free = await node1.Announcer.ProbeAsync(IPAddress.Parse($"198.18.{lab.Subnet}.150"), "eth0");
        output.WriteLine($"probe free: {free.Elapsed.TotalMilliseconds:F1} ms");
        Assert.False(free.InUse);
        Assert.InRange(free.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(600)); // 250 ms window + scheduling on a busy box

        var taken6 = await node1.Announcer.ProbeAsync(IPAddress.Parse(client.IPv6), "eth0");
        output.WriteLine($"probe {client.IPv6}: in use {taken6.InUse} by {taken6.OwnerMac}");
        Assert.True(taken6.InUse);
        Assert.Equal(MacAddress.Parse(client.Mac), taken6.OwnerMac);
    }

    private static async Task<string> Arping(LabHost from, string target, int count = 1) =>
        await ProcessRunner.RunAsync("ip", ["netns", "exec", from.Namespace, "arping", "-i", "eth0", "-c", $"{count}", "-w", "2", target], check: false);

    /// <summary>Makes the client's kernel resolve <paramref name="address"/>: one UDP datagram to the discard port.</summary>
    /// <summary>Polls the client's neighbour table as fast as netlink answers, to time the switch closely.</summary>
    private static bool SpinUntilNeighbour(NamespaceThread client, IPAddress address, MacAddress mac, TimeSpan timeout) =>
        client.Invoke(() =>
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (NeighborTable.Find(address)?.Mac == mac)
                {
                    return true;
                }

                Thread.Yield(); // leave the other core to the kernel and the announcer
            }

            return false;
        });

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 5 s");
            await Task.Delay(20);
        }
    }
}
