using System.Globalization;
using System.Text.Json.Nodes;
using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// How replicas find the leader's gRPC address, and how a leader gets its term number: both live
/// as annotations on the leader-election Lease.
/// </summary>
/// <remarks>
/// When a replica starts leading it writes <c>edgelb.io/coordinator-address</c> (its advertised
/// host:port), <c>edgelb.io/coordinator-holder</c> (its identity) and increments
/// <c>edgelb.io/coordinator-term</c>, with the resourceVersion it read as a precondition. A
/// follower asked for a Session reads the Lease and redirects to the address only when the
/// annotated holder is the Lease's current holder, so it never sends speakers to a dead leader's
/// stale address. The Lease holder identity alone would not do: it is a pod name, not an address.
/// The term makes epochs from different leaders disjoint (<see cref="Coordinator.EpochsPerTerm"/>).
/// </remarks>
internal sealed class CoordinatorEndpoint(IKubeApi client, ControllerOptions options, string identity, TimeProvider time, ILogger logger)
{
    public const string AddressAnnotation = "edgelb.io/coordinator-address";
    public const string HolderAnnotation = "edgelb.io/coordinator-holder";
    public const string TermAnnotation = "edgelb.io/coordinator-term";

    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    private readonly Lock _gate = new();
    private (string? Address, DateTimeOffset At) _cached = (null, DateTimeOffset.MinValue);

    /// <summary>The address speakers should dial (set once the server is bound).</summary>
    public string Advertised { get; set; } = string.Empty;

    /// <summary>Publishes this leader's address and takes the next term; retries until it succeeds or leading ends.</summary>
    public async Task<ulong> PublishAsync(CancellationToken leading)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            leading.ThrowIfCancellationRequested();
            try
            {
                var lease = await client.GetAsync(Resources.Leases, options.Namespace, options.LeaseName, leading);
                var annotations = lease.Metadata.Annotations;
                var term = (ulong.TryParse(annotations?.GetValueOrDefault(TermAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t : 0) + 1;
                var patch = new JsonObject
                {
                    ["metadata"] = new JsonObject
                    {
                        ["resourceVersion"] = lease.Metadata.ResourceVersion,
                        ["annotations"] = new JsonObject
                        {
                            [AddressAnnotation] = Advertised,
                            [HolderAnnotation] = identity,
                            [TermAnnotation] = term.ToString(CultureInfo.InvariantCulture),
                        },
                    },
                };
                await client.PatchAsync(Resources.Leases, options.Namespace, options.LeaseName, PatchType.Merge, patch, cancellationToken: leading);
                return term;
            }
            catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
            {
                CoordinationLog.PublishFailed(logger, ex);
                await Task.Delay(delay, time, leading);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <summary>The current leader's advertised address, or null when unknown (read at most once a second).</summary>
    public async Task<string?> LeaderAddressAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now - _cached.At < CacheFor)
            {
                return _cached.Address;
            }
        }

        var lease = await client.TryGetAsync(Resources.Leases, options.Namespace, options.LeaseName, cancellationToken);
        var address = AddressOf(lease);
        lock (_gate)
        {
            _cached = (address, now);
        }

        return address;
    }

    private static string? AddressOf(Lease? lease)
    {
        var annotations = lease?.Metadata.Annotations;
        var holder = lease?.Spec?.HolderIdentity;
        return !string.IsNullOrEmpty(holder) && annotations?.GetValueOrDefault(HolderAnnotation) == holder
            ? annotations.GetValueOrDefault(AddressAnnotation)
            : null;
    }
}
