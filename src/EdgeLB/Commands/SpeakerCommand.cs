using System.CommandLine;
using EdgeLB.Speaker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Commands;

/// <summary>
/// <c>edgelb speaker</c>: announces and forwards the VIPs the controller assigns to this node.
/// Settings come from flags, then EDGELB_* environment variables (EDGELB_CONTROLLER,
/// EDGELB_TOKENFILE, …), then defaults.
/// </summary>
internal static class SpeakerCommand
{
    /// <summary>
    /// Socket continuations run on the epoll threads instead of hopping to the thread pool: measured
    /// to give the userspace forwarder more requests/s at lower CPU and p99 (docs/forwarding.md). The
    /// runtime reads it once, when the socket engine starts, so it is set before any socket exists.
    /// </summary>
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static Command Create()
    {
        var defaults = new SpeakerOptions();
        var flags = new (Option<string?> Option, string Setting)[]
        {
            (new("--controller") { Description = $"coordinator gRPC address(es), host:port[,host:port…]; a follower redirects to the leader (default {SpeakerOptions.DefaultController})" }, nameof(SpeakerOptions.Controller)),
            (new("--node-name") { Description = "Kubernetes Node this speaker runs on (default $NODE_NAME)" }, nameof(SpeakerOptions.NodeName)),
            (new("--token-file") { Description = "projected service-account token (audience edgelb), re-read before every dial; omit for no authorization" }, nameof(SpeakerOptions.TokenFile)),
            (new("--http-listen") { Description = $"health, readiness and metrics address (default {defaults.HttpListen})" }, nameof(SpeakerOptions.HttpListen)),
            (new("--data-plane") { Description = $"userspace or nftables (default {defaults.DataPlane})" }, nameof(SpeakerOptions.DataPlane)),
            (new("--manage-sysctls") { Description = "true: set the ARP/forwarding sysctls at start; false where /proc/sys is read-only and they are set for us (default true)" }, nameof(SpeakerOptions.ManageSysctls)),
            (new("--interfaces") { Description = "interfaces VIPs may be announced on, comma-separated (default: every interface with a MAC)" }, nameof(SpeakerOptions.Interfaces)),
            (new("--node-addresses") { Description = "node addresses reported to the controller, comma-separated (default: the interfaces' global addresses)" }, nameof(SpeakerOptions.NodeAddresses)),
            (new("--orphan-limit") { Description = $"how long VIPs stay announced without a controller once one answers but refuses this speaker (while none answers they stay), e.g. 00:01:00 (default {defaults.OrphanLimit})" }, nameof(SpeakerOptions.OrphanLimit)),
            (new("--drain-timeout") { Description = $"on SIGTERM, how long to wait for the controller to move the VIPs (default {defaults.DrainTimeout})" }, nameof(SpeakerOptions.DrainTimeout)),
            (new("--reconnect-max-delay") { Description = $"largest pause between failed dials (default {defaults.ReconnectMaxDelay})" }, nameof(SpeakerOptions.ReconnectMaxDelay)),
            (new("--connect-timeout") { Description = $"how long one dial of the coordinator may take before the next address is tried (default {defaults.ConnectTimeout})" }, nameof(SpeakerOptions.ConnectTimeout)),
        };
        return SettingsCommand.Create<SpeakerOptions>("speaker", "Announce (ARP/NDP) and forward the VIPs the controller assigns to this node. Needs CAP_NET_RAW and CAP_NET_ADMIN.", flags, static (configuration, options) => configuration.Bind(options), o => o.Validate(), RunAsync);
    }

    private static async Task<int> RunAsync(SpeakerOptions options, ILoggerFactory loggers, TextWriter error, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        try
        {
            await using var host = new SpeakerHost(options, loggers);
            await host.RunAsync(ct);
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException)
        {
            await error.WriteLineAsync($"edgelb speaker: {ex.Message}");
            return 2;
        }
    }
}
