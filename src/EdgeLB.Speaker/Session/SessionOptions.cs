namespace EdgeLB.Speaker.Session;

/// <summary>How the speaker reaches and talks to the coordinator.</summary>
internal sealed record SessionOptions
{
    /// <summary>Coordinator addresses tried in turn; a follower's <c>edgelb-leader</c> trailer jumps the queue.</summary>
    public required IReadOnlyList<ControllerEndpoint> Controllers { get; init; }

    /// <summary>The Kubernetes Node this speaker runs on.</summary>
    public required string NodeName { get; init; }

    /// <summary>
    /// Projected service-account token (audience edgelb), read again before every dial because the
    /// kubelet rotates it; null sends no authorization (labs without token review).
    /// </summary>
    public string? TokenFile { get; init; }

    /// <summary>Node addresses announced in Hello; empty: the global addresses of the node's interfaces.</summary>
    public IReadOnlyList<string> NodeAddresses { get; init; } = [];

    /// <summary>Interfaces the speaker may announce on; empty: every interface with a MAC except ours.</summary>
    public IReadOnlyList<string> Interfaces { get; init; } = [];

    /// <summary>Interfaces never offered: loopback-like devices and the forwarder's VIP device.</summary>
    public IReadOnlyList<string> ExcludedInterfaces { get; init; } = ["lo", "edgelb0"];

    /// <summary>
    /// Heartbeat interval until the controller's Configuration says otherwise, and the lease assumed
    /// for an Assignment that carries none before any Configuration arrived.
    /// </summary>
    public TimeSpan DefaultHeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan DefaultLeaseDuration { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long VIPs stay announced after the last dial that found no leader (orphaned holding).
    /// While no controller takes the speaker back at all, every dial renews it, so VIPs stay served
    /// through a control-plane outage of any length. It runs out only while a controller answers and
    /// refuses this speaker (token or node refused): 60 s covers a leader change (new leader elected
    /// in ≤ 15 s with client-go's Lease timings) with room to spare.
    /// </summary>
    public TimeSpan OrphanLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>First and largest pause between failed dials; each pause is drawn with full jitter.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Largest pause between dials while orphaned (holding VIPs without a controller): a new leader
    /// waits only its relearn window (controller --relearn-timeout, 2 s by default) for holders to
    /// report before it places their VIPs elsewhere. Only holders dial this often, and only until a
    /// leader answers. Never below <see cref="ReconnectMinDelay"/>.
    /// </summary>
    public TimeSpan OrphanedReconnectMaxDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// How long an established session may stay without any message before the speaker abandons it
    /// and dials again. Deliberately far above the lease (tens of milliseconds): the lease already
    /// fences the VIPs of a silent session, while abandoning resets the stream, which the controller
    /// takes as the speaker leaving and answers by moving its VIPs at once — a hiccup of a few acks
    /// under load must not cause that. This only replaces HTTP/2 keep-alive's 80 s for finding a
    /// dead connection.
    /// </summary>
    public TimeSpan SilenceLimit { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long after an Assignment an orphaned speaker reports a known peer's claim on the VIP but
    /// does not obey it (<see cref="ClaimArbiter"/>; with a session open no claim is obeyed): it covers the replaced holder's burst and its first repeat
    /// (0.5 s) with room for a busy host, and is short next to the time a VIP normally stays on a
    /// node, so a genuine second move within it is rare and its overlap ends with our Revoke or lease.
    /// </summary>
    public TimeSpan NewHolderGrace { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a dropped VIP's ports keep forwarding after it went silent (<see cref="AssignmentTable"/>):
    /// the new holder's gratuitous frames reach clients within milliseconds, so this covers requests
    /// in flight and a loaded host, and stays well inside a pod's 5 s termination grace after a drain.
    /// </summary>
    public TimeSpan ForwardingLinger { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one dial may take until the controller's first message arrives.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// On SIGTERM, how long the speaker waits for the controller to move its VIPs (make-before-break)
    /// before it stops announcing anyway. Keep it below the pod's terminationGracePeriodSeconds (5 s in
    /// deploy/speaker.yaml); a handover normally takes milliseconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Speaker version sent in Hello.</summary>
    public string Version { get; init; } = typeof(SessionOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Why the settings cannot be used, naming the setting; empty when they can.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Controllers.Count == 0)
        {
            problems.Add("--controller: at least one host:port is needed");
        }

        if (string.IsNullOrWhiteSpace(NodeName))
        {
            problems.Add("--node-name: must not be empty (or set NODE_NAME)");
        }

        if (OrphanLimit < TimeSpan.Zero || OrphanLimit > TimeSpan.FromHours(1))
        {
            problems.Add($"--orphan-limit: {OrphanLimit} is not between 0 and 1 hour");
        }

        if (ReconnectMinDelay <= TimeSpan.Zero || ReconnectMaxDelay < ReconnectMinDelay)
        {
            problems.Add("--reconnect-min-delay, --reconnect-max-delay: need 0 < min <= max");
        }

        if (OrphanedReconnectMaxDelay <= TimeSpan.Zero)
        {
            problems.Add("orphaned reconnect delay: must be positive");
        }

        if (DefaultHeartbeatInterval <= TimeSpan.Zero || DefaultLeaseDuration <= DefaultHeartbeatInterval)
        {
            problems.Add("heartbeat interval and lease: need 0 < interval < lease");
        }

        if (DrainTimeout < TimeSpan.Zero || DrainTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"--drain-timeout: {DrainTimeout} is not between 0 and 10 minutes");
        }

        if (SilenceLimit <= TimeSpan.Zero)
        {
            problems.Add("silence limit: must be positive");
        }

        if (NewHolderGrace < TimeSpan.Zero || NewHolderGrace > TimeSpan.FromMinutes(1))
        {
            problems.Add($"new-holder grace: {NewHolderGrace} is not between 0 and 1 minute");
        }

        if (ForwardingLinger < TimeSpan.Zero || ForwardingLinger > TimeSpan.FromMinutes(1))
        {
            problems.Add($"forwarding linger: {ForwardingLinger} is not between 0 and 1 minute");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add("--connect-timeout: must be positive");
        }

        return problems;
    }
}
