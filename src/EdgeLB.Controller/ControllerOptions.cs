namespace EdgeLB.Controller;

/// <summary>Settings of <c>edgelb controller</c>, bound from flags and EDGELB_* environment variables.</summary>
public sealed class ControllerOptions
{
    /// <summary>The kubeconfig to use; when empty: in-cluster, then $KUBECONFIG, then ~/.kube/config.</summary>
    public string? Kubeconfig { get; set; }

    /// <summary>The namespace holding IPAddressPools and L2Advertisements, and the leader-election Lease.</summary>
    public string Namespace { get; set; } = "edgelb-system";

    /// <summary>
    /// The <c>spec.loadBalancerClass</c> EdgeLB answers to. Services without a class are EdgeLB's too,
    /// unless <see cref="RequireClass"/> is set.
    /// </summary>
    public string LoadBalancerClass { get; set; } = "edgelb.io/edgelb";

    /// <summary>Handle only Services that name <see cref="LoadBalancerClass"/> (for clusters with another default provider).</summary>
    public bool RequireClass { get; set; }

    /// <summary>
    /// <c>status.loadBalancer.ingress[].ipMode</c>: Proxy (the speakers forward traffic, so kube-proxy
    /// must not short-cut it to the Service) or VIP.
    /// </summary>
    public string IpMode { get; set; } = "Proxy";

    /// <summary>Health, readiness and metrics endpoint.</summary>
    public string HttpListen { get; set; } = "0.0.0.0:7472";

    /// <summary>The coordinator's gRPC endpoint for speakers.</summary>
    public string GrpcListen { get; set; } = "0.0.0.0:7473";

    /// <summary>This replica's name in the leader-election Lease (default: the host name).</summary>
    public string? Identity { get; set; }

    public string LeaseName { get; set; } = "edgelb-controller";

    /// <summary>Lease timings (client-go's defaults).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The gRPC address followers name in their redirect to speakers (host:port). Default: $POD_IP
    /// with the --grpc-listen port, else the --grpc-listen address when it is not a wildcard.
    /// </summary>
    public string? GrpcAdvertise { get; set; }

    /// <summary>
    /// How often each speaker sends a Heartbeat. See <see cref="Coordination.SessionTimings"/> for
    /// why the defaults are what they are.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = Coordination.SessionTimings.DefaultHeartbeatInterval;

    /// <summary>
    /// How long after the controller SENT the last renewing ack it still treats a silent speaker as
    /// holding its VIPs; after that they move.
    /// </summary>
    public TimeSpan SpeakerLease { get; set; } = Coordination.SessionTimings.DefaultSpeakerLease;

    /// <summary>
    /// How much shorter the lease told to speakers is than <see cref="SpeakerLease"/>, so a speaker
    /// stops announcing before the controller moves its VIPs even when an ack reaches it late.
    /// </summary>
    public TimeSpan LeaseMargin { get; set; } = Coordination.SessionTimings.DefaultLeaseMargin;

    /// <summary>
    /// Heartbeats per second the leader accepts from all speakers together. Past it, the interval,
    /// lease and margin are doubled (as often as needed) for every speaker: a large cluster gets
    /// slower detection of silent nodes instead of a starved controller. See <see cref="Coordination.SessionTimings.Scale"/>.
    /// </summary>
    public int HeartbeatBudget { get; set; } = Coordination.SessionTimings.DefaultHeartbeatBudget;

    /// <summary>
    /// The user a speaker's token must review as. Default: system:serviceaccount:&lt;namespace&gt;:edgelb-speaker.
    /// </summary>
    public string? SpeakerServiceAccount { get; set; }

    /// <summary>The audience speakers' projected tokens are issued for.</summary>
    public string TokenAudience { get; set; } = "edgelb";

    /// <summary>Connections the coordinator endpoint accepts at once (each speaker and each `edgelb status` holds one).</summary>
    public int GrpcMaxConnections { get; set; } = 4096;

    /// <summary>
    /// Calls whose token the API server is reviewing at once (not answered from the short verdict
    /// cache); past it a call is refused with RESOURCE_EXHAUSTED without being read.
    /// </summary>
    public int GrpcMaxAuthenticating { get; set; } = 64;

    /// <summary>
    /// How long a new leader waits for the speakers that hold VIPs (per the Service annotations) to
    /// report what they announce before it changes any assignment.
    /// </summary>
    public TimeSpan RelearnTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gratuitous ARP / unsolicited NA burst after taking a VIP: count (IPv6 allows at most 3).</summary>
    public int GarpCount { get; set; } = 3;

    /// <summary>Gap between the announcements of the burst.</summary>
    public TimeSpan GarpInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Re-announce this often while a VIP is held (zero disables).</summary>
    public TimeSpan GarpRefresh { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The service account a speaker's token must belong to.</summary>
    public string EffectiveSpeakerServiceAccount =>
        string.IsNullOrWhiteSpace(SpeakerServiceAccount) ? $"system:serviceaccount:{Namespace}:edgelb-speaker" : SpeakerServiceAccount;

    /// <summary>How many Services are written to the API at once.</summary>
    public int Workers { get; set; } = 16;

    /// <summary>Why the options cannot be used, naming the setting; empty when they can.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IpMode is not ("Proxy" or "VIP"))
        {
            problems.Add($"--ip-mode: \"{IpMode}\" is not Proxy or VIP");
        }

        if (string.IsNullOrWhiteSpace(Namespace))
        {
            problems.Add("--namespace: must not be empty");
        }

        if (string.IsNullOrWhiteSpace(LoadBalancerClass))
        {
            problems.Add("--lb-class: must not be empty");
        }

        foreach (var (flag, value) in new[] { ("--http-listen", HttpListen), ("--grpc-listen", GrpcListen) })
        {
            if (!System.Net.IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0 && !value.EndsWith(":0", StringComparison.Ordinal))
            {
                problems.Add($"{flag}: \"{value}\" is not an address:port");
            }
        }

        if (GrpcMaxConnections < 1)
        {
            problems.Add($"--grpc-max-connections: {GrpcMaxConnections} is not positive");
        }

        if (GrpcMaxAuthenticating < 1)
        {
            problems.Add($"--grpc-max-authenticating: {GrpcMaxAuthenticating} is not positive");
        }

        if (Workers is < 1 or > 256)
        {
            problems.Add($"--workers: {Workers} is not between 1 and 256");
        }

        if (RenewDeadline >= LeaseDuration || RetryPeriod >= RenewDeadline)
        {
            problems.Add("--lease-duration, --renew-deadline, --retry-period: need retry < renew deadline < lease duration");
        }

        problems.AddRange(Coordination.SessionTimings.Validate(this));
        return problems;
    }
}
