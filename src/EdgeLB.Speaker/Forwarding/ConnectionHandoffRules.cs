using System.Globalization;
using System.Text;

namespace EdgeLB.Speaker.Forwarding;

/// <summary>
/// Renders the nft script for the handovers in progress: one <c>ip</c> and one <c>ip6</c> table,
/// each created, deleted and defined anew in one transaction (<c>nft -f</c>), so a change never
/// leaves half a ruleset; with no handovers the tables are only removed.
/// <para>
/// The rule: a segment without SYN that conntrack sees as new belongs to no connection of this node
/// (its own connections all began with a SYN it saw), so it is one the previous holder accepted
/// before the client's neighbour cache moved here. <c>dup to</c> sends a copy to the previous
/// holder's MAC (the destination address stays the VIP, which that node still has), and the
/// original is dropped instead of reaching the local stack, which would answer with a reset. The
/// hook runs before NAT, so the nftables data plane's DNAT never sees those segments.
/// </para>
/// </summary>
internal static class ConnectionHandoffRules
{
    public const string Table = "edgelb_handoff";

    public static string Render(IEnumerable<ConnectionHandoff> handoffs)
    {
        var all = handoffs.OrderBy(h => h.Vip.ToString(), StringComparer.Ordinal).ToList();
        var script = new StringBuilder();
        foreach (var (family, match, v6) in new[] { ("ip", "ip", false), ("ip6", "ip6", true) })
        {
            script.Append(CultureInfo.InvariantCulture, $"table {family} {Table}\ndelete table {family} {Table}\n");
            var rules = all.Where(h => h.Vip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 == v6 && h.Ports.Count > 0).ToList();
            if (rules.Count == 0)
            {
                continue;
            }

            script.Append(CultureInfo.InvariantCulture, $"table {family} {Table} {{\n  chain prerouting {{\n    type filter hook prerouting priority -150; policy accept;\n");
            foreach (var h in rules)
            {
                var ports = string.Join(", ", h.Ports.Order().Select(p => p.ToString(CultureInfo.InvariantCulture)));
                script.Append(CultureInfo.InvariantCulture,
                    $"    {match} daddr {h.Vip} tcp dport {{ {ports} }} tcp flags & syn == 0 ct state new,invalid dup to {h.PreviousHolder} device \"{h.Interface}\" drop\n");
            }

            script.Append("  }\n}\n");
        }

        return script.ToString();
    }
}
