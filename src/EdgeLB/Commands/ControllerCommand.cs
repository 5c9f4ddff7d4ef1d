using System.CommandLine;
using EdgeLB.Controller;
using EdgeLB.Controller.Hosting;
using EdgeLB.Kubernetes.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Commands;

/// <summary>
/// <c>edgelb controller</c>: assigns addresses to LoadBalancer Services. Settings come from flags,
/// then EDGELB_* environment variables (EDGELB_NAMESPACE, EDGELB_IPMODE, …), then defaults.
/// </summary>
internal static class ControllerCommand
{
    public static Command Create()
    {
        var defaults = new ControllerOptions();
        var flags = new (Option<string?> Option, string Setting)[]
        {
            (new("--kubeconfig") { Description = "kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config)" }, nameof(ControllerOptions.Kubeconfig)),
            (new("--namespace") { Description = $"namespace of the IPAddressPools and the leader Lease (default {defaults.Namespace})" }, nameof(ControllerOptions.Namespace)),
            (new("--lb-class") { Description = $"spec.loadBalancerClass EdgeLB answers to (default {defaults.LoadBalancerClass})" }, nameof(ControllerOptions.LoadBalancerClass)),
            (new("--require-class") { Description = "true: ignore Services without a loadBalancerClass (default false)" }, nameof(ControllerOptions.RequireClass)),
            (new("--ip-mode") { Description = $"ingress ipMode, Proxy or VIP (default {defaults.IpMode})" }, nameof(ControllerOptions.IpMode)),
            (new("--http-listen") { Description = $"health, readiness and metrics address (default {defaults.HttpListen})" }, nameof(ControllerOptions.HttpListen)),
            (new("--grpc-listen") { Description = $"coordinator gRPC address for speakers (default {defaults.GrpcListen})" }, nameof(ControllerOptions.GrpcListen)),
            (new("--identity") { Description = "name in the leader Lease (default $POD_NAME, then the host name)" }, nameof(ControllerOptions.Identity)),
            (new("--workers") { Description = $"Services written to the API in parallel (default {defaults.Workers})" }, nameof(ControllerOptions.Workers)),
            (new("--lease-duration") { Description = $"leader Lease duration, e.g. 00:00:15 (default {defaults.LeaseDuration})" }, nameof(ControllerOptions.LeaseDuration)),
            (new("--grpc-advertise") { Description = "host:port followers send speakers to (default $POD_IP with the --grpc-listen port)" }, nameof(ControllerOptions.GrpcAdvertise)),
            (new("--heartbeat-interval") { Description = $"speaker heartbeat interval, e.g. 00:00:00.015 (default {defaults.HeartbeatInterval})" }, nameof(ControllerOptions.HeartbeatInterval)),
            (new("--speaker-lease") { Description = $"how long a silent speaker keeps its VIPs after the last ack (default {defaults.SpeakerLease})" }, nameof(ControllerOptions.SpeakerLease)),
            (new("--lease-margin") { Description = $"how much shorter the lease told to speakers is (default {defaults.LeaseMargin})" }, nameof(ControllerOptions.LeaseMargin)),
            (new("--heartbeat-budget") { Description = $"heartbeats per second from all speakers together; past it the interval and leases double (default {defaults.HeartbeatBudget})" }, nameof(ControllerOptions.HeartbeatBudget)),
            (new("--speaker-service-account") { Description = "user a speaker token must review as (default system:serviceaccount:<namespace>:edgelb-speaker)" }, nameof(ControllerOptions.SpeakerServiceAccount)),
            (new("--token-audience") { Description = $"audience of speaker tokens (default {defaults.TokenAudience})" }, nameof(ControllerOptions.TokenAudience)),
            (new("--grpc-max-connections") { Description = $"connections the coordinator endpoint accepts at once (default {defaults.GrpcMaxConnections})" }, nameof(ControllerOptions.GrpcMaxConnections)),
            (new("--grpc-max-authenticating") { Description = $"calls whose token is being reviewed at once; more are refused with RESOURCE_EXHAUSTED (default {defaults.GrpcMaxAuthenticating})" }, nameof(ControllerOptions.GrpcMaxAuthenticating)),
            (new("--relearn-timeout") { Description = $"how long a new leader waits for holders to report (default {defaults.RelearnTimeout})" }, nameof(ControllerOptions.RelearnTimeout)),
            (new("--garp-count") { Description = $"gratuitous ARP / NA burst size (default {defaults.GarpCount})" }, nameof(ControllerOptions.GarpCount)),
            (new("--garp-interval") { Description = $"gap within the burst (default {defaults.GarpInterval})" }, nameof(ControllerOptions.GarpInterval)),
            (new("--garp-refresh") { Description = $"re-announce period while held, 0 disables (default {defaults.GarpRefresh})" }, nameof(ControllerOptions.GarpRefresh)),
        };
        return SettingsCommand.Create<ControllerOptions>("controller", "Assign external IPs to LoadBalancer Services and coordinate the speakers.", flags, static (configuration, options) => configuration.Bind(options), o => o.Validate(), RunAsync);
    }

    private static async Task<int> RunAsync(ControllerOptions options, ILoggerFactory loggers, TextWriter error, CancellationToken ct)
    {
        try
        {
            await using var host = new ControllerHost(options, loggers);
            await host.RunAsync(ct);
            return 0;
        }
        catch (Exception ex) when (ex is KubeConfigException or IOException)
        {
            await error.WriteLineAsync($"edgelb controller: {ex.Message}");
            return 2;
        }
    }
}
