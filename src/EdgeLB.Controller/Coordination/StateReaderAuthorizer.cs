using EdgeLB.Kubernetes.Models;
using EdgeLB.Kubernetes.Rest;
using EdgeLB.Rpc;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// Decides who may read the coordinator's state (GetState, behind <c>edgelb status</c> and
/// <c>edgelb explain</c>): a speaker's token, or an operator's token whose user the API server
/// allows to <see cref="Verb"/> <see cref="Resource"/> in every namespace.
/// </summary>
/// <remarks>
/// The state names every VIP, Service and node, which is what listing Services cluster-wide
/// already shows, so that permission is the one asked for (a SubjectAccessReview of the user a
/// TokenReview reports, with its groups and extras). Operators' tokens are reviewed with the API
/// server's own audiences (a kubeconfig's token), speakers' with theirs. Verdicts are cached per
/// token like the speakers'; reviews pass the shared <see cref="ReviewGate"/>.
/// </remarks>
internal sealed class StateReaderAuthorizer(IKubeApi client, SpeakerAuthenticator speakers, ReviewGate gate, TimeProvider time)
{
    public const string Verb = "list";
    public const string Resource = "services";

    private readonly TokenVerdictCache<SessionRefusal> _denied = new(SpeakerAuthenticator.CacheFor, SpeakerAuthenticator.CacheCapacity, time);
    private readonly TokenVerdictCache<string> _allowed = new(SpeakerAuthenticator.CacheFor, SpeakerAuthenticator.CacheCapacity, time);

    /// <summary>The user behind <paramref name="token"/>, who may read the state.</summary>
    /// <exception cref="SessionRefusal">UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED or UNAVAILABLE.</exception>
    public async Task<string> AuthorizeAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new SessionRefusal(StatusCode.Unauthenticated, $"reading the state needs a bearer token: a speaker's, or one whose user may {Verb} {Resource} in every namespace");
        }

        if (_allowed.TryGet(token, out var user))
        {
            return user;
        }

        if (_denied.TryGet(token, out var refusal))
        {
            throw new SessionRefusal(refusal.Status, refusal.Message);
        }

        try
        {
            return (await speakers.AuthenticateAsync(token, cancellationToken)).Username;
        }
        catch (SessionRefusal speakerRefusal) when (speakerRefusal.Status is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            // Not a speaker: perhaps an operator.
        }

        try
        {
            using (gate.Enter())
            {
                user = await ReviewOperatorAsync(token, cancellationToken);
            }
        }
        catch (SessionRefusal denied) when (denied.Status is StatusCode.Unauthenticated or StatusCode.PermissionDenied)
        {
            _denied.Add(token, denied);
            throw;
        }

        _allowed.Add(token, user);
        return user;
    }

    private async Task<string> ReviewOperatorAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            var review = await client.ReviewTokenAsync(token, audiences: null, cancellationToken);
            if (review.Status is not { Authenticated: true, User: { Username: { } username } user })
            {
                throw new SessionRefusal(StatusCode.Unauthenticated, $"token not accepted: {review.Status?.Error ?? "not authenticated"}");
            }

            var access = await client.ReviewAccessAsync(user, new ResourceAttributes { Verb = Verb, Group = string.Empty, Resource = Resource }, cancellationToken);
            return access.Status is { Allowed: true }
                ? username
                : throw new SessionRefusal(StatusCode.PermissionDenied, $"{username} may not {Verb} {Resource} in every namespace{(access.Status?.Reason is { Length: > 0 } reason ? $" ({reason})" : string.Empty)}");
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            throw new SessionRefusal(StatusCode.Unavailable, $"cannot review the token now: {ex.Message}");
        }
    }
}
