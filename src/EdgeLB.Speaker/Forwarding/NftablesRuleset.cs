using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Renders the whole <c>table inet &lt;name&gt;</c> for the nftables plane as one nft script.
/// The script first creates then deletes the table and defines it anew, and <c>nft -f</c> applies a
/// script as one transaction, so every change swaps the complete ruleset atomically and never leaves
/// a half-updated table.
/// <para>
/// Per VIP:port with eligible backends, a prerouting (and output, for local clients) rule DNATs to
/// <c>numgen random</c> (least-connections has no kernel equivalent; random spreads evenly),
/// <c>numgen inc</c> (round-robin) or <c>jhash</c> of the client address (ClientIP affinity, which
/// holds while the backend set is unchanged; the kernel has no affinity timeout). Weights repeat a
/// backend in the map. Postrouting masquerades what we DNATed, so replies return through this node.
/// A VIP:port without eligible backends gets no rule: packets then reach the local stack, where
/// nothing listens, and the client gets a reset or port unreachable.
/// </para>
/// </summary>
internal static class NftablesRuleset
{
    public static string Render(string table, IEnumerable<BackendPool> pools)
    {
        var rules = new List<string>();
        var vip4 = new SortedSet<string>(StringComparer.Ordinal);
        var vip6 = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pool in pools.OrderBy(p => p.Vip.ToString(), StringComparer.Ordinal))
        {
            var rule = Rule(pool);
            if (rule is null)
            {
                continue;
            }

            rules.Add(rule);
            (pool.Vip.IsIPv6 ? vip6 : vip4).Add(pool.Vip.Address.ToString());
        }

        var sb = new StringBuilder();
        sb.Append("table inet ").Append(table).Append(" {}\n");
        sb.Append("delete table inet ").Append(table).Append('\n');
        sb.Append("table inet ").Append(table).Append(" {\n");
        // "dstnat" is -100; nft 1.0.6 accepts the name only on the prerouting hook.
        foreach (var hook in new[] { "prerouting", "output" })
        {
            sb.Append("  chain ").Append(hook).Append(" {\n");
            sb.Append("    type nat hook ").Append(hook).Append(" priority -100; policy accept;\n");
            foreach (var r in rules)
            {
                sb.Append("    ").Append(r).Append('\n');
            }

            sb.Append("  }\n");
        }

        sb.Append("  chain postrouting {\n");
        sb.Append("    type nat hook postrouting priority srcnat; policy accept;\n");
        if (vip4.Count > 0)
        {
            sb.Append("    ct status dnat ct original ip daddr { ").Append(string.Join(", ", vip4)).Append(" } masquerade\n");
        }

        if (vip6.Count > 0)
        {
            sb.Append("    ct status dnat ct original ip6 daddr { ").Append(string.Join(", ", vip6)).Append(" } masquerade\n");
        }

        sb.Append("  }\n}\n");
        return sb.ToString();
    }

    /// <summary>Counts the forwarding rules a script carries (for logs and tests).</summary>
    public static int CountRules(string script) =>
        script.Split('\n').Count(l => l.Contains(" dnat ip to ", StringComparison.Ordinal) || l.Contains(" dnat ip6 to ", StringComparison.Ordinal)) / 2;

    private static string? Rule(BackendPool pool)
    {
        var vip = pool.Vip;
        var family = vip.IsIPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var targets = new List<string>();
        foreach (var slot in pool.Slots)
        {
            // Kernel NAT cannot change the address family; such backends serve the other VIP family.
            if (!slot.Eligible || slot.Backend.EndPoint.AddressFamily != family)
            {
                continue;
            }

            var target = string.Create(CultureInfo.InvariantCulture, $"{slot.Backend.EndPoint.Address} . {slot.Backend.EndPoint.Port}");
            for (var w = 0; w < Math.Max(1, slot.Weight); w++)
            {
                targets.Add(target);
            }
        }

        if (targets.Count == 0)
        {
            return null;
        }

        var ip = vip.IsIPv6 ? "ip6" : "ip";
        var proto = vip.Protocol == ForwardProtocol.Tcp ? "tcp" : "udp";
        var spread = pool.Options.SessionAffinityTimeout is not null
            ? $"jhash {ip} saddr mod {targets.Count} seed 0x454c42"
            : pool.Options.Balancing == BalancingMode.RoundRobin
                ? $"numgen inc mod {targets.Count}"
                : $"numgen random mod {targets.Count}";
        var map = string.Join(", ", targets.Select((t, i) => $"{i} : {t}"));
        return $"{ip} daddr {vip.Address} {proto} dport {vip.Port} dnat {ip} to {spread} map {{ {map} }}";
    }
}
