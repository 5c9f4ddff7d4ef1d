using EdgeLB.Controller.Observability;
using EdgeLB.Rpc;
using EdgeLB.Rpc.Contract.V1;
using EdgeLB.Rpc.Server;
using Microsoft.Extensions.Logging;

namespace EdgeLB.Controller.Coordination;

/// <summary>
/// The gRPC side of edgelb.v1.Coordinator: Session (authenticate, then pump messages between the
/// stream and the <see cref="Coordinator"/>) and GetState.
/// </summary>
/// <remarks>
/// Session protocol as served here: a replica that does not lead answers UNAVAILABLE with the
/// trailer <c>edgelb-leader: host:port</c> when it knows the leader. The leader
/// reviews the bearer token from the call's metadata before reading anything (UNAUTHENTICATED /
/// PERMISSION_DENIED, plus a log line, and a Warning Event when the token names a pod or node),
/// then expects Hello as the first message within <see cref="HelloTimeout"/> (INVALID_ARGUMENT
/// otherwise; PERMISSION_DENIED when it names another node than the token's pod runs on), then
/// sends Configuration, Assignments, Revokes, a HeartbeatAck per Heartbeat and DrainComplete. The
/// end of the request stream or a reset counts as the speaker closing the session: its VIPs move
/// at once. A second session for the same node replaces the first (ABORTED for the old one).
/// </remarks>
internal sealed class SessionService(
    Coordinator coordinator,
    SpeakerAuthenticator authenticator,
    StateReaderAuthorizer readers,
    Func<CancellationToken, Task<string?>> leaderAddress,
    Action<SessionRefusal> refused,
    CoordinatorMetrics metrics,
    string controller,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>
    /// One log line per interval for refusals of anonymous callers (no token, a made-up one, or too
    /// many at once), so a flood of them costs neither disk nor the log pipeline; the refusals metric
    /// still counts every one.
    /// </summary>
    public static readonly TimeSpan AnonymousRefusalLogInterval = TimeSpan.FromSeconds(1);

    private readonly LogRateLimiter _anonymousRefusals = new(AnonymousRefusalLogInterval, time);

    public const string LeaderTrailer = "edgelb-leader";

    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest first message (Hello) a session accepts, and the Session method's receive limit:
    /// a Hello lists a node's addresses and interfaces, a few KiB. Anything bigger is refused from
    /// its length prefix with RESOURCE_EXHAUSTED, before its body is held.
    /// </summary>
    public const int MaxHelloSize = 64 * 1024;

    /// <summary>
    /// The largest later message of an authenticated session: a heartbeat lists every VIP its node
    /// announces (about 50 bytes each), so a node holding thousands of VIPs needs more than a Hello.
    /// </summary>
    public const int MaxSpeakerMessageSize = 1024 * 1024;

    /// <summary>The largest GetStateRequest accepted (two short filters).</summary>
    public const int MaxStateRequestSize = 4 * 1024;

    public async Task RunAsync(IRpcStreamReader<SpeakerMessage> requests, IRpcStreamWriter<ControllerMessage> responses, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(context);
        if (!coordinator.IsLeading)
        {
            throw await NotLeaderAsync(context.CancellationToken);
        }

        // Who is calling comes from the metadata, before a byte of the body is read: a peer
        // without a valid token costs no parsing and holds no buffers beyond the stream window.
        SpeakerIdentity identity;
        try
        {
            identity = await authenticator.AuthenticateAsync(context.GetBearerToken(), context.CancellationToken);
        }
        catch (SessionRefusal refusal)
        {
            throw Refuse(refusal, context);
        }

        Hello hello;
        using (var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken))
        {
            helloTimeout.CancelAfter(HelloTimeout);
            try
            {
                if (!await requests.MoveNextAsync(helloTimeout.Token) || requests.Current.KindCase != SpeakerMessage.KindOneofCase.Hello)
                {
                    throw Refuse(new SessionRefusal(StatusCode.InvalidArgument, "the first message of a session must be Hello", identity.Node, identity.Pod), context);
                }
            }
            catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
            {
                throw Refuse(new SessionRefusal(StatusCode.InvalidArgument, $"no Hello within {HelloTimeout.TotalSeconds} s", identity.Node, identity.Pod), context);
            }

            hello = requests.Current.Hello;
        }

        if (hello.NodeName != identity.Node)
        {
            var named = string.IsNullOrEmpty(hello.NodeName) ? "no node" : $"node {Truncated(hello.NodeName)}";
            throw Refuse(new SessionRefusal(StatusCode.PermissionDenied, $"Hello names {named} but the token's pod {identity.Pod ?? "(unknown)"} runs on {identity.Node}", identity.Node, identity.Pod), context);
        }

        context.MaxReceiveMessageSize = MaxSpeakerMessageSize;

        var session = coordinator.Open(identity.Node, hello) ?? throw await NotLeaderAsync(context.CancellationToken);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, session.Ended);
        var writing = WriteAsync(session, responses, ended.Token);
        var cause = "closed by the speaker";
        try
        {
            while (await requests.MoveNextAsync(ended.Token))
            {
                var message = requests.Current;
                switch (message.KindCase)
                {
                    case SpeakerMessage.KindOneofCase.Heartbeat:
                        coordinator.Heartbeat(session, message.Heartbeat);
                        break;
                    case SpeakerMessage.KindOneofCase.DrainRequest:
                        coordinator.Drain(session, message.DrainRequest);
                        break;
                    default:
                        // Unknown members (a newer speaker) and a repeated Hello are ignored, as the contract says.
                        break;
                }

                if (writing.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            cause = "reset by the speaker";
        }
        catch (OperationCanceledException) when (session.Ended.IsCancellationRequested)
        {
            cause = "ended by the controller";
        }
        finally
        {
            coordinator.Closed(session, writing.IsFaulted ? "write failed" : cause);
            session.End();
            await writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            session.Dispose();
        }

        if (cause == "ended by the controller" && !context.CancellationToken.IsCancellationRequested)
        {
            throw coordinator.IsLeading
                ? new RpcException(StatusCode.Aborted, "a newer session of this node replaced this one")
                : await NotLeaderAsync(CancellationToken.None);
        }
    }

    /// <summary>GetState, for a speaker's token or an operator's allowed to list Services cluster-wide (<see cref="StateReaderAuthorizer"/>).</summary>
    public async Task<GetStateResponse> GetStateAsync(GetStateRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await readers.AuthorizeAsync(context.GetBearerToken(), context.CancellationToken);
        }
        catch (SessionRefusal refusal)
        {
            throw Refuse(new SessionRefusal(refusal.Status, "GetState: " + refusal.Message), context);
        }

        return coordinator.State(request, controller);
    }

    private static string Truncated(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static async Task WriteAsync(SpeakerSession session, IRpcStreamWriter<ControllerMessage> responses, CancellationToken cancellationToken)
    {
        while (await session.WaitToTakeAsync(cancellationToken))
        {
            while (session.TryTakeNext(out var message))
            {
                await responses.WriteAsync(message, cancellationToken);
            }
        }
    }

    private RpcException Refuse(SessionRefusal refusal, ServerCallContext context)
    {
        var status = refusal.Status.ToString();
        metrics.Refused(status);
        var anonymous = refusal is { Node: null, Pod: null, Status: StatusCode.Unauthenticated or StatusCode.ResourceExhausted };
        var suppressed = 0;
        if (!anonymous || _anonymousRefusals.ShouldLog(string.Empty, string.Empty, out suppressed))
        {
            CoordinationLog.Refused(logger, status, context.Peer, refusal.Message);
        }

        if (suppressed > 0)
        {
            CoordinationLog.RefusalsSuppressed(logger, suppressed);
        }

        if (refusal.Status != StatusCode.Unavailable)
        {
            refused(refusal);
        }

        return new RpcException(refusal.Status, refusal.Message);
    }

    private async Task<RpcException> NotLeaderAsync(CancellationToken cancellationToken)
    {
        var trailers = new Metadata();
        string? leader = null;
        try
        {
            leader = await leaderAddress(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Unknown leader: the speaker tries its other addresses.
        }

        if (leader is not null)
        {
            trailers.Add(LeaderTrailer, leader);
        }

        return new RpcException(new RpcStatus(StatusCode.Unavailable, leader is null ? "not the leader; leader unknown" : $"not the leader; the leader is {leader}"), trailers);
    }
}
