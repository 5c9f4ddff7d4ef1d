using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Checks a speaker's projected service-account token with a TokenReview (audience from
/// <see cref="ControllerOptions.TokenAudience"/>), requires the speaker's service account, and
/// finds the node the token's pod runs on, so that only a real speaker pod can speak for a node.
/// </summary>
/// <remarks>
/// This runs on the call's metadata alone, before any message of the call is read: a peer without
/// a valid token never gets its Hello parsed. The node comes from the token itself when the API
/// server puts it there (the extra <c>authentication.kubernetes.io/node-name</c>, Kubernetes
/// 1.30+); otherwise from the pod the token is bound to (<c>authentication.kubernetes.io/pod-name</c>),
/// read from the API. A token bound to no pod is refused: it could claim any node. Verdicts are
/// cached per token for <see cref="CacheFor"/>; reviews not answered from the cache pass the
/// shared <see cref="ReviewGate"/>.
/// </remarks>
internal sealed class SpeakerAuthenticator(IKubeApi client, ControllerOptions options, ReviewGate gate, TimeProvider time)
{
    public const string NodeNameExtra = "authentication.kubernetes.io/node-name";
    public const string PodNameExtra = "authentication.kubernetes.io/pod-name";
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    public const int CacheCapacity = 4096;
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    private readonly TokenVerdictCache<Verdict> _verdicts = new(CacheFor, CacheCapacity, time);

    /// <summary>Tokens whose verdict is cached now.</summary>
    public int CachedVerdicts => _verdicts.Count;

    /// <summary>The identity behind <paramref name="token"/>: a speaker pod and the node it runs on.</summary>
    /// <exception cref="SessionRefusal">UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED (too many reviews at once), or UNAVAILABLE when the API cannot be asked.</exception>
    public async Task<SpeakerIdentity> AuthenticateAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new SessionRefusal(StatusCode.Unauthenticated, "no bearer token in the authorization metadata");
        }

        if (!_verdicts.TryGet(token, out var verdict))
        {
            using (gate.Enter())
            {
                try
                {
                    verdict = new Verdict(await ReviewAsync(token, cancellationToken), null);
                }
                catch (SessionRefusal refusal) when (refusal.Status is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
                {
                    verdict = new Verdict(null, refusal);
                }
            }

            _verdicts.Add(token, verdict);
        }

        return verdict.Identity ?? throw new SessionRefusal(verdict.Refusal!.Status, verdict.Refusal.Message, verdict.Refusal.Node, verdict.Refusal.Pod);
    }

    private async Task<SpeakerIdentity> ReviewAsync(string token, CancellationToken cancellationToken)
    {
        TokenReview review;
        try
        {
            review = await client.ReviewTokenAsync(token, [options.TokenAudience], cancellationToken);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            throw new SessionRefusal(StatusCode.Unavailable, $"cannot review the token now: {ex.Message}");
        }

        if (review.Status is not { Authenticated: true, User: { Username: { } username } user })
        {
            throw new SessionRefusal(StatusCode.Unauthenticated, $"token not accepted: {review.Status?.Error ?? "not authenticated"}");
        }

        var podName = Extra(user, PodNameExtra);
        var pod = podName is not null && username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal)
            ? $"{username[ServiceAccountPrefix.Length..].Split(':')[0]}/{podName}"
            : null;
        var boundNode = Extra(user, NodeNameExtra);
        if (username != options.EffectiveSpeakerServiceAccount)
        {
            throw new SessionRefusal(StatusCode.PermissionDenied, $"{username} is not the speaker service account {options.EffectiveSpeakerServiceAccount}", boundNode, pod);
        }

        if (boundNode is null)
        {
            if (pod is null)
            {
                throw new SessionRefusal(StatusCode.PermissionDenied, "the token is not bound to a pod, so it cannot prove which node it runs on");
            }

            boundNode = await NodeOfPodAsync(pod, cancellationToken);
        }

        return new SpeakerIdentity(username, boundNode, pod);
    }

    private async Task<string> NodeOfPodAsync(string pod, CancellationToken cancellationToken)
    {
        var (ns, name) = (pod[..pod.IndexOf('/', StringComparison.Ordinal)], pod[(pod.IndexOf('/', StringComparison.Ordinal) + 1)..]);
        Pod? found;
        try
        {
            found = await client.TryGetAsync(Resources.Pods, ns, name, cancellationToken);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            throw new SessionRefusal(StatusCode.Unavailable, $"cannot read pod {pod} now: {ex.Message}", pod: pod);
        }

        return found?.Spec?.NodeName is { Length: > 0 } nodeName
            ? nodeName
            : throw new SessionRefusal(StatusCode.PermissionDenied, $"the token's pod {pod} does not exist or is not scheduled", pod: pod);
    }

    private static string? Extra(UserInfo user, string key) =>
        user.Extra?.TryGetValue(key, out var values) == true && values.Count > 0 && values[0].Length > 0 ? values[0] : null;

    /// <summary>A review's outcome: the identity, or the refusal to repeat while it is cached.</summary>
    private sealed record Verdict(SpeakerIdentity? Identity, SessionRefusal? Refusal);
}
