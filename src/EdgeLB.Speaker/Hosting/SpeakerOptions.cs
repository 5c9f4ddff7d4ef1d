using System.Net;
using EdgeLB.Speaker.Forwarding;
using EdgeLB.Speaker.Session;

namespace EdgeLB.Speaker.Hosting;

/// <summary>Settings of <c>edgelb speaker</c>, bound from flags and EDGELB_* environment variables.</summary>
public sealed class SpeakerOptions
{
    /// <summary>The in-cluster coordinator Service (deploy/controller.yaml).</summary>
    public const string DefaultController = "edgelb-controller.edgelb-system:7473";

    /// <summary>Coordinator address(es), host:port, comma-separated; a follower points the speaker at the leader.</summary>
    public string Controller { get; set; } = DefaultController;

    /// <summary>The Kubernetes Node this speaker runs on (default: $NODE_NAME).</summary>
    public string? NodeName { get; set; }

    /// <summary>Projected service-account token (audience edgelb); read again before every dial. Empty: no authorization.</summary>
    public string? TokenFile { get; set; }

    /// <summary>Health, readiness and metrics endpoint.</summary>
    public string HttpListen { get; set; } = "0.0.0.0:7474";

    /// <summary>userspace (sockets in this process) or nftables (kernel DNAT).</summary>
    public string DataPlane { get; set; } = "userspace";

    /// <summary>Interfaces VIPs may be announced on, comma-separated; empty: every interface with a MAC.</summary>
    public string? Interfaces { get; set; }

    /// <summary>Node addresses reported to the controller, comma-separated; empty: the interfaces' global addresses.</summary>
    public string? NodeAddresses { get; set; }

    /// <summary>Upper bound of orphaned holding after the controller went away.</summary>
    public TimeSpan OrphanLimit { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a SIGTERM drain waits for the controller to move the VIPs.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>Largest pause between failed dials.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one dial (TCP, HTTP/2 and the controller's first message) may take before the next is tried.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether the speaker sets the ARP (and, for nftables, forwarding) sysctls itself. In a cluster
    /// /proc/sys is read-only to an unprivileged container, so the DaemonSet sets them in a privileged
    /// init container and turns this off (EDGELB_MANAGESYSCTLS=false).
    /// </summary>
    public bool ManageSysctls { get; set; } = true;

    /// <summary>Why the options cannot be used, naming the setting; empty when they can.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        try
        {
            if (ControllerEndpoint.ParseList(Controller ?? string.Empty).Count == 0)
            {
                problems.Add("--controller: at least one host:port is needed");
            }
        }
        catch (FormatException ex)
        {
            problems.Add($"--controller: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(ResolvedNodeName))
        {
            problems.Add("--node-name: must be given (or NODE_NAME set)");
        }

        if (!IPEndPoint.TryParse(HttpListen ?? string.Empty, out var http) || (http.Port == 0 && !HttpListen!.EndsWith(":0", StringComparison.Ordinal)))
        {
            problems.Add($"--http-listen: \"{HttpListen}\" is not an address:port");
        }

        if (DataPlaneKind is null)
        {
            problems.Add($"--data-plane: \"{DataPlane}\" is not userspace or nftables");
        }

        if (TokenFile is { Length: > 0 } && !File.Exists(TokenFile))
        {
            problems.Add($"--token-file: {TokenFile} does not exist");
        }

        foreach (var address in Split(NodeAddresses))
        {
            if (!IPAddress.TryParse(address, out _))
            {
                problems.Add($"--node-addresses: \"{address}\" is not an IP address");
            }
        }

        if (OrphanLimit < TimeSpan.Zero || OrphanLimit > TimeSpan.FromHours(1))
        {
            problems.Add($"--orphan-limit: {OrphanLimit} is not between 0 and 1 hour");
        }

        if (DrainTimeout < TimeSpan.Zero || DrainTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"--drain-timeout: {DrainTimeout} is not between 0 and 10 minutes");
        }

        if (ReconnectMaxDelay < TimeSpan.FromMilliseconds(100) || ReconnectMaxDelay > TimeSpan.FromMinutes(5))
        {
            problems.Add($"--reconnect-max-delay: {ReconnectMaxDelay} is not between 100 ms and 5 minutes");
        }

        if (ConnectTimeout < TimeSpan.FromMilliseconds(100) || ConnectTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"--connect-timeout: {ConnectTimeout} is not between 100 ms and 5 minutes");
        }

        return problems;
    }

    internal string? ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? Environment.GetEnvironmentVariable("NODE_NAME") : NodeName;

    internal Forwarding.DataPlaneKind? DataPlaneKind => DataPlane?.ToLowerInvariant() switch
    {
        "userspace" => Forwarding.DataPlaneKind.Userspace,
        "nftables" => Forwarding.DataPlaneKind.Nftables,
        _ => null,
    };

    internal ForwardingOptions ToForwardingOptions() => new() { DataPlane = DataPlaneKind!.Value, ManageSysctls = ManageSysctls };

    internal SessionOptions ToSessionOptions(string forwardingInterface) => new()
    {
        Controllers = ControllerEndpoint.ParseList(Controller),
        NodeName = ResolvedNodeName!,
        TokenFile = string.IsNullOrEmpty(TokenFile) ? null : TokenFile,
        Interfaces = Split(Interfaces),
        NodeAddresses = Split(NodeAddresses),
        ExcludedInterfaces = ["lo", forwardingInterface],
        OrphanLimit = OrphanLimit,
        DrainTimeout = DrainTimeout,
        ReconnectMaxDelay = ReconnectMaxDelay,
        ConnectTimeout = ConnectTimeout,
    };

    private static string[] Split(string? list) =>
        string.IsNullOrWhiteSpace(list) ? [] : list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
