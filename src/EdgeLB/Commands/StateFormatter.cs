using System.Globalization;
using System.Net;
using System.Text;
using EdgeLB.Rpc.Contract.V1;

namespace EdgeLB.Commands;

/// <summary>Renders Coordinator.GetState answers for <c>edgelb status</c> and <c>edgelb explain</c>.</summary>
internal static class StateFormatter
{
    /// <summary>The VIP table (VIP, Services, node, interface, epoch, lease age, last announcement of any kind: burst, repeat, refresh or defence) and the speakers.</summary>
    public static string Status(GetStateResponse state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var text = new StringBuilder();
        text.AppendLine(Source(state));
        if (state.Vips.Count == 0)
        {
            text.AppendLine("No VIPs.");
        }
        else
        {
            var observed = state.ObservedAt?.ToDateTimeOffset();
            WriteTable(
                text,
                ["VIP", "SERVICES", "NODE", "INTERFACE", "EPOCH", "LEASE AGE", "LAST ANNOUNCED", "STATE"],
                state.Vips.Select(v => new[]
                {
                    v.Address,
                    v.Services.Count == 0 ? "-" : string.Join(",", v.Services),
                    Dash(v.Node),
                    Dash(v.Interface),
                    v.Epoch == 0 ? "-" : v.Epoch.ToString(CultureInfo.InvariantCulture),
                    string.IsNullOrEmpty(v.Node) || v.LeaseAge is null ? "-" : Age(v.LeaseAge.ToTimeSpan()),
                    v.LastGarp is null ? "never" : observed is { } at ? Age(at - v.LastGarp.ToDateTimeOffset()) + " ago" : v.LastGarp.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture),
                    Dash(v.Summary),
                }));
        }

        if (state.Speakers.Count > 0)
        {
            text.AppendLine();
            var observed = state.ObservedAt?.ToDateTimeOffset();
            WriteTable(
                text,
                ["SPEAKER", "VERSION", "HEALTH", "LAST HEARTBEAT", "DRAINING"],
                state.Speakers.Select(s => new[]
                {
                    s.Node,
                    Dash(s.Version),
                    HealthText(s.Health),
                    s.LastHeartbeat is null ? "never" : observed is { } at ? Age(at - s.LastHeartbeat.ToDateTimeOffset()) + " ago" : "-",
                    s.Draining ? "yes" : "no",
                }));
        }

        return text.ToString();
    }

    /// <summary>
    /// Why each VIP of <paramref name="service"/> ("namespace/name") sits on its node and why every
    /// other candidate does not hold it; null when no VIP serves that Service.
    /// </summary>
    public static string? Explain(GetStateResponse state, string service)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Explain(state, v => v.Services.Contains(service, StringComparer.Ordinal));
    }

    /// <summary>
    /// The same for the VIP <paramref name="address"/>, whichever Services hold it: how an operator
    /// finds the holder of an address a tenant's Event calls "in use by another Service".
    /// </summary>
    public static string? ExplainAddress(GetStateResponse state, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(address);
        return Explain(state, v => IPAddress.TryParse(v.Address, out var a) && a.Equals(address));
    }

    private static string? Explain(GetStateResponse state, Func<VipState, bool> which)
    {
        var vips = state.Vips.Where(which).ToList();
        if (vips.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        text.AppendLine(Source(state));
        foreach (var vip in vips)
        {
            text.Append(CultureInfo.InvariantCulture, $"{vip.Address} ({FamilyText(vip.Family)}{(string.IsNullOrEmpty(vip.Pool) ? string.Empty : ", pool " + vip.Pool)}) for {string.Join(", ", vip.Services)}: ");
            text.AppendLine(string.IsNullOrEmpty(vip.Node)
                ? $"announced by no node{(string.IsNullOrEmpty(vip.Summary) ? string.Empty : " (" + vip.Summary + ")")}"
                : $"announced by {vip.Node}{(string.IsNullOrEmpty(vip.Interface) ? string.Empty : " on " + vip.Interface)}, epoch {vip.Epoch}");
            if (vip.Candidates.Count == 0)
            {
                text.AppendLine("  no node was considered");
            }

            var width = vip.Candidates.Count == 0 ? 0 : vip.Candidates.Max(c => c.Node.Length);
            foreach (var candidate in vip.Candidates)
            {
                var why = candidate.Chosen ? "chosen" : "not chosen: " + ReasonText(candidate.Reason);
                var detail = string.IsNullOrEmpty(candidate.Detail) ? string.Empty : " (" + candidate.Detail + ")";
                text.AppendLine(CultureInfo.InvariantCulture, $"  {candidate.Node.PadRight(width)}  {why}{detail}");
            }

            text.AppendLine();
        }

        return text.ToString().TrimEnd() + Environment.NewLine;
    }

    public static string ReasonText(RejectionReason reason) => reason switch
    {
        RejectionReason.NoSession => "no open session with the controller",
        RejectionReason.Unhealthy => "heartbeats late or the speaker reports the node unhealthy",
        RejectionReason.NoInterface => "no interface with link up in the VIP's subnet",
        RejectionReason.NodeportUnhealthy => "the Service's NodePort health checks fail there",
        RejectionReason.Draining => "the node is draining",
        RejectionReason.Excluded => "excluded by the L2Advertisement's node selectors, the exclude-from-external-load-balancers label or the Service's constraints",
        RejectionReason.LowerRank => "eligible, but another node ranked higher",
        RejectionReason.NoLocalEndpoints => "externalTrafficPolicy Local and no ready endpoint of the Service on the node",
        _ => "reason not known",
    };

    /// <summary>Short human durations: 350ms, 4.2s, 3m05s, 2h10m.</summary>
    public static string Age(TimeSpan age)
    {
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age.TotalSeconds < 1 ? $"{(int)age.TotalMilliseconds}ms"
            : age.TotalSeconds < 60 ? age.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m{age.Seconds:00}s"
            : $"{(int)age.TotalHours}h{age.Minutes:00}m";
    }

    private static string Source(GetStateResponse state) =>
        state.Leader
            ? $"Controller {Dash(state.Controller)} (leader)"
            : $"Controller {Dash(state.Controller)} is not the leader: its view may be out of date";

    private static void WriteTable(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        var all = rows.Prepend(header).ToList();
        var widths = header.Select((_, i) => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            for (var i = 0; i < row.Length; i++)
            {
                text.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            text.AppendLine();
        }
    }

    private static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;

    private static string HealthText(Health health) => health switch
    {
        Health.Ok => "ok",
        Health.Degraded => "degraded",
        Health.Failed => "failed",
        _ => "unknown",
    };

    private static string FamilyText(AddressFamily family) => family switch
    {
        AddressFamily.Ipv4 => "IPv4",
        AddressFamily.Ipv6 => "IPv6",
        _ => "family unknown",
    };
}
