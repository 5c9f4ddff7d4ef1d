using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace EdgeLB.Sandbox.Lab;

/// <summary>
/// tcpdump capturing ARP and Neighbor Advertisements in a lab namespace (its own process, stopped by
/// PID), and arping asking for one address every 20 ms from the same namespace (bounded by count and
/// time), so every holder's answers are on record. <see cref="Claims"/> reads who claimed the address
/// when: ARP replies "address is-at MAC", gratuitous ARP (sender address = target address), and
/// Neighbor Advertisements for it (by the Ethernet source).
/// </summary>
public sealed partial class ArpCapture : IAsyncDisposable
{
    private readonly LabProcess _tcpdump;
    private readonly string _address;
    private LabProcess? _arping;

    private ArpCapture(LabProcess tcpdump, string address)
    {
        _tcpdump = tcpdump;
        _address = address;
    }

    /// <summary>Starts capturing on eth0 of <paramref name="host"/> and waits until tcpdump listens.</summary>
    public static async Task<ArpCapture> StartAsync(LabHost host, string address, string logPath)
    {
        ArgumentNullException.ThrowIfNull(host);
        var tcpdump = LabProcess.Start("tcpdump", host.Namespace, logPath, null,
            "tcpdump", "-i", "eth0", "-n", "-e", "-l", "--immediate-mode", "-tt", "-c", "200000", CaptureFilter(address));
        var capture = new ArpCapture(tcpdump, address);
        for (var i = 0; i < 100 && !capture.Log().Contains("listening on", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        return capture;
    }

    /// <summary>Asks for the address every <paramref name="interval"/> (default 20 ms) for at most <paramref name="duration"/>.</summary>
    public void StartAsking(LabHost host, TimeSpan duration, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        var every = interval ?? TimeSpan.FromMilliseconds(20);
        var seconds = ((int)Math.Ceiling(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        var count = ((int)(duration / every)).ToString(CultureInfo.InvariantCulture);
        _arping = LabProcess.Start("arping", host.Namespace, _tcpdump.LogPath + ".arping", null,
            "arping", "-q", "-i", "eth0", "-W", every.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture), "-c", count, "-w", seconds, _address);
    }

    /// <summary>The claims so far, while the capture runs.</summary>
    public IReadOnlyList<ArpClaim> ClaimsSoFar() => Claims(Log(), _address);

    /// <summary>Stops arping and tcpdump; returns every claim of the address, in capture order.</summary>
    public async Task<IReadOnlyList<ArpClaim>> StopAsync()
    {
        if (_arping is not null)
        {
            await _arping.DisposeAsync();
            _arping = null;
        }

        // Give the last packets time to be printed before tcpdump goes.
        await Task.Delay(200);
        await _tcpdump.DisposeAsync();
        return Claims(Log(), _address);
    }

    public async ValueTask DisposeAsync()
    {
        if (_arping is not null)
        {
            await _arping.DisposeAsync();
        }

        await _tcpdump.DisposeAsync();
    }

    /// <summary>
    /// ARP about an IPv4 address only (a long soak asks every few milliseconds and must stay within
    /// the packet count), and every Neighbor Advertisement: tcpdump cannot select those by target.
    /// </summary>
    private static string CaptureFilter(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork
            ? $"(arp host {address}) or (icmp6 and ip6[40] == 136)"
            : "icmp6 and ip6[40] == 136";

    /// <summary>The claims of <paramref name="address"/> in tcpdump -e -tt output.</summary>
    public static IReadOnlyList<ArpClaim> Claims(string tcpdumpOutput, string address)
    {
        ArgumentNullException.ThrowIfNull(tcpdumpOutput);
        var claims = new List<ArpClaim>();
        foreach (var line in tcpdumpOutput.Split('\n'))
        {
            var m = LineFormat().Match(line);
            if (!m.Success)
            {
                continue;
            }

            var time = double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture);
            var advertisement = AdvertisementFormat().Match(m.Groups["rest"].Value);
            if (advertisement.Success && advertisement.Groups["ip"].Value == address)
            {
                claims.Add(new ArpClaim(time, m.Groups["src"].Value.ToLowerInvariant(), Gratuitous: m.Groups["dst"].Value.StartsWith("33:33:", StringComparison.Ordinal)));
                continue;
            }

            var reply = ReplyFormat().Match(m.Groups["rest"].Value);
            if (reply.Success && reply.Groups["ip"].Value == address)
            {
                claims.Add(new ArpClaim(time, reply.Groups["mac"].Value.ToLowerInvariant(), Gratuitous: false));
                continue;
            }

            var request = RequestFormat().Match(m.Groups["rest"].Value);
            if (request.Success && request.Groups["target"].Value == address && request.Groups["sender"].Value == address)
            {
                claims.Add(new ArpClaim(time, m.Groups["src"].Value.ToLowerInvariant(), Gratuitous: true));
            }
        }

        return claims;
    }

    /// <summary>
    /// How long <paramref name="oldMac"/> went on claiming the address after another MAC's first
    /// claim, in milliseconds (0 when it stopped in time); null when no other MAC claimed it.
    /// </summary>
    public static double? OverlapMs(IReadOnlyList<ArpClaim> claims, string oldMac)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var firstNew = claims.Where(c => !c.Mac.Equals(oldMac, StringComparison.OrdinalIgnoreCase)).Select(c => (double?)c.Time).Min();
        if (firstNew is not { } t1)
        {
            return null;
        }

        var lastOld = claims.Where(c => c.Mac.Equals(oldMac, StringComparison.OrdinalIgnoreCase)).Select(c => (double?)c.Time).Max();
        return lastOld is { } t2 && t2 > t1 ? (t2 - t1) * 1000 : 0;
    }

    /// <summary>
    /// From the first claim by <paramref name="forgedMac"/> among <paramref name="claims"/> to the next
    /// one by <paramref name="holderMac"/>, in milliseconds: how long a host that heard both pointed
    /// its neighbour entry at the forged MAC. Null while either is missing.
    /// </summary>
    public static double? RestoredMs(IReadOnlyList<ArpClaim> claims, string forgedMac, string holderMac)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var list = claims.ToList();
        var forged = list.FindIndex(c => c.Mac.Equals(forgedMac, StringComparison.OrdinalIgnoreCase));
        var restored = forged < 0 ? -1 : list.FindIndex(forged, c => c.Mac.Equals(holderMac, StringComparison.OrdinalIgnoreCase));
        return restored < 0 ? null : (list[restored].Time - list[forged].Time) * 1000;
    }

    /// <summary>
    /// Split-brain episodes: two MACs answering for the address at once, seen as claims alternating
    /// A, B, A, B where the old holder's late claim comes within <paramref name="window"/> of the new
    /// holder's first claim and the new holder claims again after it. A move (A, then only B) or a move
    /// back later (A, B, then only A) is none. A long alternation of the same pair counts once.
    /// </summary>
    public static int SplitBrainEpisodes(IReadOnlyList<ArpClaim> claims, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var runs = new List<(string Mac, double First)>();
        foreach (var claim in claims.OrderBy(c => c.Time))
        {
            if (runs.Count == 0 || !runs[^1].Mac.Equals(claim.Mac, StringComparison.OrdinalIgnoreCase))
            {
                runs.Add((claim.Mac, claim.Time));
            }
        }

        var episodes = 0;
        var i = 0;
        while (i + 3 < runs.Count)
        {
            var (a, b) = (runs[i].Mac, runs[i + 1].Mac);
            if (runs[i + 2].Mac.Equals(a, StringComparison.OrdinalIgnoreCase) && runs[i + 3].Mac.Equals(b, StringComparison.OrdinalIgnoreCase)
                && runs[i + 2].First - runs[i + 1].First <= window.TotalSeconds)
            {
                episodes++;
                var k = i + 3;
                while (k + 1 < runs.Count && (runs[k + 1].Mac.Equals(a, StringComparison.OrdinalIgnoreCase) || runs[k + 1].Mac.Equals(b, StringComparison.OrdinalIgnoreCase)))
                {
                    k++;
                }

                i = k;
            }
            else
            {
                i++;
            }
        }

        return episodes;
    }

    private string Log()
    {
        try
        {
            using var stream = new FileStream(_tcpdump.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return "";
        }
    }

    [GeneratedRegex(@"^(?<time>\d+\.\d+) (?<src>[0-9a-fA-F:]{17}) > (?<dst>[0-9a-fA-F:]{17}), ethertype (ARP \(0x0806\)|IPv6 \(0x86dd\)), length \d+: (?<rest>.*)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex LineFormat();

    [GeneratedRegex(@"^Reply (?<ip>[0-9.]+) is-at (?<mac>[0-9a-fA-F:]{17})", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex ReplyFormat();

    [GeneratedRegex(@"neighbor advertisement, tgt is (?<ip>[0-9a-fA-F:.]+),", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AdvertisementFormat();

    [GeneratedRegex(@"^Request who-has (?<target>[0-9.]+) (\(.*?\) )?tell (?<sender>[0-9.]+)", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture, matchTimeoutMilliseconds: 1000)]
    private static partial Regex RequestFormat();
}
