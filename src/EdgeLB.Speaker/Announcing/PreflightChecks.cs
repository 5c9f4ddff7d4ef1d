using System.Globalization;

namespace EdgeLB.Speaker.Announcing;

/// <summary>
/// Host settings that decide whether our answers are the only ones: the kernel answers ARP on its own
/// for addresses configured locally, and kube-proxy in IPVS mode configures every Service IP locally.
/// </summary>
internal static class PreflightChecks
{
    /// <summary>kube-proxy's dummy interface in IPVS mode: it carries every ClusterIP and LoadBalancer IP.</summary>
    public const string KubeIpvsInterface = "kube-ipvs0";

    public static IReadOnlyList<PreflightFinding> Run(ILinkEnvironment environment, string interfaceName)
    {
        var findings = new List<PreflightFinding>();

        // The kernel uses the larger of conf/all and conf/<interface> for these three.
        var arpIgnore = Effective(environment, interfaceName, "arp_ignore");
        var arpAnnounce = Effective(environment, interfaceName, "arp_announce");
        var rpFilter = Effective(environment, interfaceName, "rp_filter");

        findings.Add(arpIgnore switch
        {
            null => new PreflightFinding("arp_ignore", PreflightSeverity.Info, "unknown", "could not read the sysctl"),
            0 => new PreflightFinding("arp_ignore", PreflightSeverity.Info, "0", "the kernel answers ARP for any local address on any interface; VIPs configured locally would be answered by every such node (1 avoids this)"),
            _ => new PreflightFinding("arp_ignore", PreflightSeverity.Info, Text(arpIgnore), "the kernel answers ARP only for addresses of the receiving interface"),
        });
        findings.Add(arpAnnounce switch
        {
            null => new PreflightFinding("arp_announce", PreflightSeverity.Info, "unknown", "could not read the sysctl"),
            < 2 => new PreflightFinding("arp_announce", PreflightSeverity.Info, Text(arpAnnounce), "the kernel may use a VIP configured locally as the source of its own ARP requests (2 avoids this)"),
            _ => new PreflightFinding("arp_announce", PreflightSeverity.Info, Text(arpAnnounce), "the kernel picks ARP source addresses from the outgoing interface"),
        });
        findings.Add(rpFilter switch
        {
            null => new PreflightFinding("rp_filter", PreflightSeverity.Info, "unknown", "could not read the sysctl"),
            1 => new PreflightFinding("rp_filter", PreflightSeverity.Warning, "1", "strict reverse-path filtering drops VIP traffic that arrives on an interface other than the route back to its source; use 2 (loose) or 0"),
            _ => new PreflightFinding("rp_filter", PreflightSeverity.Info, Text(rpFilter), "reverse-path filtering does not interfere"),
        });

        var ipvs = environment.GetInterfaces().FirstOrDefault(i => i.Name == KubeIpvsInterface);
        if (ipvs is null)
        {
            findings.Add(new PreflightFinding("kube_ipvs_strict_arp", PreflightSeverity.Info, "absent", "kube-proxy is not in IPVS mode here"));
        }
        else if (ipvs.Addresses.Count > 0 && (arpIgnore is null or < 1 || arpAnnounce is null or < 2))
        {
            findings.Add(new PreflightFinding(
                "kube_ipvs_strict_arp",
                PreflightSeverity.Warning,
                $"{ipvs.Addresses.Count} addresses",
                "kube-proxy in IPVS mode puts Service IPs on kube-ipvs0 and without strictARP this node's kernel answers ARP for them too; set strictARP: true in kube-proxy's configuration"));
        }
        else
        {
            findings.Add(new PreflightFinding("kube_ipvs_strict_arp", PreflightSeverity.Info, $"{ipvs.Addresses.Count} addresses", "kube-ipvs0 present and the ARP sysctls keep the kernel quiet (strictARP)"));
        }

        return findings;
    }

    private static int? Effective(ILinkEnvironment environment, string interfaceName, string key)
    {
        var all = Read(environment, $"net/ipv4/conf/all/{key}");
        var device = Read(environment, $"net/ipv4/conf/{interfaceName}/{key}");
        return all is null ? device : device is null ? all : Math.Max(all.Value, device.Value);
    }

    private static int? Read(ILinkEnvironment environment, string path) =>
        int.TryParse(environment.ReadSysctl(path), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string Text(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "unknown";
}
