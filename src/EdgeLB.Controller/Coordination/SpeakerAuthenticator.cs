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
/// The node comes from the token itself when the API server puts it there (the extra
/// <c>authentication.kubernetes.io/node-name</c>, Kubernetes 1.30+); otherwise from the pod the
/// token is bound to (<c>authentication.kubernetes.io/pod-name</c>), read from the API. A token
/// bound to no pod is refused: it could claim any node.
/// </remarks>
internal sealed class SpeakerAuthenticator(IKubeApi client, ControllerOptions options)
{
    public const string NodeNameExtra = "authentication.kubernetes.io/node-name";
    public const string PodNameExtra = "authentication.kubernetes.io/pod-name";
    private const string ServiceAccountPrefix = "system:serviceaccount:";

    /// <summary>The identity behind <paramref name="token"/>, which must speak for <paramref name="node"/>.</summary>
    /// <exception cref="SessionRefusal">UNAUTHENTICATED, PERMISSION_DENIED, or UNAVAILABLE when the API cannot be asked.</exception>
    public async Task<SpeakerIdentity> AuthenticateAsync(string? token, string node, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new SessionRefusal(StatusCode.Unauthenticated, "no bearer token in the authorization metadata", node);
        }

        TokenReview review;
        try
        {
            review = await client.ReviewTokenAsync(token, [options.TokenAudience], cancellationToken);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            throw new SessionRefusal(StatusCode.Unavailable, $"cannot review the token now: {ex.Message}", node);
        }

        if (review.Status is not { Authenticated: true, User: { Username: { } username } user })
        {
            throw new SessionRefusal(StatusCode.Unauthenticated, $"token not accepted: {review.Status?.Error ?? "not authenticated"}", node);
        }

        var podName = Extra(user, PodNameExtra);
        var pod = podName is not null && username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal)
            ? $"{username[ServiceAccountPrefix.Length..].Split(':')[0]}/{podName}"
            : null;
        if (username != options.EffectiveSpeakerServiceAccount)
        {
            throw new SessionRefusal(StatusCode.PermissionDenied, $"{username} is not the speaker service account {options.EffectiveSpeakerServiceAccount}", node, pod);
        }

        var boundNode = Extra(user, NodeNameExtra);
        if (boundNode is null)
        {
            if (pod is null)
            {
                throw new SessionRefusal(StatusCode.PermissionDenied, "the token is not bound to a pod, so it cannot prove which node it runs on", node);
            }

            boundNode = await NodeOfPodAsync(pod, node, cancellationToken);
        }

        if (boundNode != node)
        {
            throw new SessionRefusal(StatusCode.PermissionDenied, $"Hello names node {node} but the token's pod {pod ?? "(unknown)"} runs on {boundNode}", node, pod);
        }

        return new SpeakerIdentity(username, boundNode, pod);
    }

    private async Task<string> NodeOfPodAsync(string pod, string node, CancellationToken cancellationToken)
    {
        var (ns, name) = (pod[..pod.IndexOf('/', StringComparison.Ordinal)], pod[(pod.IndexOf('/', StringComparison.Ordinal) + 1)..]);
        Pod? found;
        try
        {
            found = await client.TryGetAsync(Resources.Pods, ns, name, cancellationToken);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            throw new SessionRefusal(StatusCode.Unavailable, $"cannot read pod {pod} now: {ex.Message}", node, pod);
        }

        return found?.Spec?.NodeName is { Length: > 0 } nodeName
            ? nodeName
            : throw new SessionRefusal(StatusCode.PermissionDenied, $"the token's pod {pod} does not exist or is not scheduled", node, pod);
    }

    private static string? Extra(UserInfo user, string key) =>
        user.Extra?.TryGetValue(key, out var values) == true && values.Count > 0 && values[0].Length > 0 ? values[0] : null;
}
