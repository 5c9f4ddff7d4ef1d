using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using EdgeLB.Rpc.Framing;
using Google.Protobuf;

namespace EdgeLB.Rpc.Client;

/// <summary>
/// One call on the client: sends the HTTP/2 request, reads response messages, and turns whatever
/// ends the call (trailers, Trailers-Only headers, an HTTP error, a reset, a deadline, a
/// cancellation) into exactly one <see cref="RpcStatus"/>.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IRpcStreamReader<TResponse>, IClientCall
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly RpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts;
    private readonly CancellationTokenRegistration _userCancellation;
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private Outcome? _outcome;
    private TResponse? _current;
    private volatile bool _deadlineExceeded;
    private ITimer? _deadlineTimer;
    private int _disposed;

    public ClientCall(RpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _cts = new CancellationTokenSource();
        if (options.CancellationToken.CanBeCanceled)
        {
            _userCancellation = options.CancellationToken.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).CancelCall(), this);
        }
    }

    private RpcStatus? FinalStatus => Volatile.Read(ref _outcome)?.Status;

    private Metadata? FinalTrailers => Volatile.Read(ref _outcome)?.Trailers;

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNextAsync has not returned true.");

    public StreamingRequestContent? RequestContent { get; private set; }

    public CancellationToken CallToken => _cts.Token;

    public int MaxSendMessageSize => _channel.Options.MaxSendMessageSize;

    /// <summary>Sends the request. <paramref name="request"/> is the single message, or null for a streamed request body.</summary>
    public void Start(TRequest? request)
    {
        TimeSpan? timeout = null;
        if (_options.Deadline is { } deadline)
        {
            timeout = deadline - _channel.Options.TimeProvider.GetUtcNow();
            if (timeout <= TimeSpan.Zero)
            {
                SetStatus(new RpcStatus(StatusCode.DeadlineExceeded, "The deadline passed before the call started."), new Metadata());
                return;
            }
        }

        HttpContent content = request is not null
            ? new MessageContent(request, _channel.Options.MaxSendMessageSize)
            : RequestContent = new StreamingRequestContent();

        var message = new HttpRequestMessage(HttpMethod.Post, _channel.GetUri(_method.Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = message.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, GrpcProtocol.Trailers);
        headers.TryAddWithoutValidation("user-agent", RpcChannel.UserAgent);
        if (timeout is { } t)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(t));
            _deadlineTimer = _channel.Options.TimeProvider.CreateTimer(static s => ((ClientCall<TRequest, TResponse>)s!).OnDeadline(), this, t, Timeout.InfiniteTimeSpan);
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                headers.TryAddWithoutValidation(key, value);
            }
        }

        _sendTask = _channel.Invoker.SendAsync(message, _cts.Token);
    }

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).CancelCall(), this)
            : default;
        try
        {
            if (FinalStatus is null && _reader is null)
            {
                await ReceiveHeadersAsync();
            }

            if (FinalStatus is { } done)
            {
                return done.Code == StatusCode.OK ? false : throw new RpcException(done, FinalTrailers);
            }

            var message = await MessageFramer.ReadAsync(_reader!, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, _cts.Token);
            if (message is not null)
            {
                _current = message;
                return true;
            }

            var status = ReadStatus(_response!.TrailingHeaders, out var trailers)
                ?? new RpcStatus(StatusCode.Internal, "The response ended without a grpc-status trailer.");
            SetStatus(status, trailers);
            return status.Code == StatusCode.OK ? false : throw new RpcException(status, trailers);
        }
        catch (RpcException ex)
        {
            // Framing errors are ours to report; make sure the server stops sending too.
            if (FinalStatus is null)
            {
                SetStatus(ex.Status, ex.Trailers);
                CancelCall();
            }

            throw;
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
    }

    /// <summary>Reads the one response of a unary or client-streaming call and the status after it.</summary>
    public async Task<TResponse> ReadSingleResponseAsync()
    {
        if (!await MoveNextAsync())
        {
            throw new RpcException(StatusCode.Internal, "The server finished the call with OK but sent no response message.");
        }

        var message = _current!;
        if (await MoveNextAsync())
        {
            CancelCall();
            throw new RpcException(StatusCode.Internal, "The server sent more than one response message.");
        }

        return message;
    }

    public RpcStatus GetStatus() => FinalStatus ?? throw new InvalidOperationException("The call has not finished yet.");

    public Metadata GetTrailers() => FinalStatus is null ? throw new InvalidOperationException("The call has not finished yet.") : FinalTrailers!;

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        if (_response is null && FinalStatus is null)
        {
            try
            {
                await ReceiveHeadersAsync();
            }
            catch (Exception ex) when (ex is not RpcException)
            {
                throw Fail(ex);
            }
        }

        var metadata = new Metadata();
        if (_response is not null)
        {
            foreach (var (key, values) in _response.Headers)
            {
                foreach (var value in values)
                {
                    metadata.AddRaw(key.ToLowerInvariant(), value);
                }
            }
        }

        return metadata;
    }

    /// <summary>
    /// Turns a failed request write into the call's status. A write usually fails because the server
    /// already ended the call; if it did so in the response headers (an HTTP error or Trailers-Only,
    /// e.g. UNIMPLEMENTED), that status is the one worth reporting.
    /// </summary>
    public async Task<RpcException> FailWriteAsync(Exception ex)
    {
        if (FinalStatus is null && _sendTask is { } send)
        {
            try
            {
                var response = await send.WaitAsync(TimeSpan.FromSeconds(1));
                if (ImmediateStatus(response, out var trailers) is { } immediate)
                {
                    SetStatus(immediate, trailers);
                }
            }
            catch (Exception ignored) when (ignored is HttpRequestException or IOException or OperationCanceledException or TimeoutException)
            {
                // No answer to learn from: report the write failure itself.
            }
        }

        return Fail(ex);
    }

    /// <summary>Turns a failure while sending or receiving into the call's status.</summary>
    public RpcException Fail(Exception ex)
    {
        if (FinalStatus is { } existing)
        {
            return existing.Code == StatusCode.OK
                ? new RpcException(new RpcStatus(StatusCode.Internal, "The call already finished."), innerException: ex)
                : new RpcException(existing, FinalTrailers, ex);
        }

        RpcStatus status;
        if (_cts.IsCancellationRequested)
        {
            status = _deadlineExceeded
                ? new RpcStatus(StatusCode.DeadlineExceeded, "Deadline exceeded.")
                : new RpcStatus(StatusCode.Cancelled, "The call was cancelled by the client.");
        }
        else if (FindProtocolError(ex) is { } reset)
        {
            status = new RpcStatus(StatusMapping.FromHttp2ErrorCode(reset.ErrorCode), "HTTP/2 error: " + reset.Message);
        }
        else if (ex is HttpRequestException or IOException)
        {
            status = new RpcStatus(StatusCode.Unavailable, "Error talking to the server: " + ex.Message);
        }
        else
        {
            status = new RpcStatus(StatusCode.Internal, "Error in the call: " + ex.Message);
        }

        SetStatus(status, new Metadata());
        CancelCall();
        return new RpcException(status, FinalTrailers, ex);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (FinalStatus is null)
        {
            // Abandoned mid-call: reset the stream with CANCEL so the server stops.
            SetStatus(new RpcStatus(StatusCode.Cancelled, "The call was disposed before it finished."), new Metadata());
            CancelCall();
        }

        _deadlineTimer?.Dispose();
        _userCancellation.Dispose();
        RequestContent?.Abort();
        _reader?.Complete();
        _response?.Dispose();
        if (_sendTask is { IsCompleted: false } pending)
        {
            // Observe a late failure of an abandoned send so it does not surface as unobserved.
            _ = pending.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        _cts.Dispose();
    }

    private async Task ReceiveHeadersAsync()
    {
        var response = await _sendTask!;
        _response = response;
        if (ImmediateStatus(response, out var headerTrailers) is { } immediate)
        {
            SetStatus(immediate, headerTrailers);
            return;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            SetStatus(new RpcStatus(StatusCode.Internal, $"Bad gRPC response: content-type '{contentType}'."), new Metadata());
            CancelCall();
            return;
        }

        var stream = await response.Content.ReadAsStreamAsync(_cts.Token);
        _reader = PipeReader.Create(stream);
    }

    /// <summary>
    /// The status a response carries in its headers: a non-200 HTTP status (mapped when there is no
    /// grpc-status) or Trailers-Only. Null when the status will come in the trailers.
    /// </summary>
    private static RpcStatus? ImmediateStatus(HttpResponseMessage response, out Metadata trailers)
    {
        var status = ReadStatus(response.Headers, out trailers);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return status ?? new RpcStatus(StatusMapping.FromHttpStatus(response.StatusCode), $"Bad gRPC response: HTTP status {(int)response.StatusCode}.");
        }

        return status;
    }

    private static RpcStatus? ReadStatus(HttpHeaders headers, out Metadata metadata)
    {
        metadata = new Metadata();
        string? code = null;
        string? detail = null;
        foreach (var (key, values) in headers)
        {
            foreach (var value in values)
            {
                if (key.Equals(GrpcProtocol.StatusHeader, StringComparison.OrdinalIgnoreCase))
                {
                    code = value;
                }
                else if (key.Equals(GrpcProtocol.MessageHeader, StringComparison.OrdinalIgnoreCase))
                {
                    detail = value;
                }
                else
                {
                    metadata.AddRaw(key.ToLowerInvariant(), value);
                }
            }
        }

        if (code is null)
        {
            return null;
        }

        if (!StatusStrings.TryParse(code, out var parsed))
        {
            return new RpcStatus(StatusCode.Unknown, $"Unparseable grpc-status '{code}'.");
        }

        return new RpcStatus(parsed, detail is null ? string.Empty : PercentEncoding.Decode(detail));
    }

    private static HttpProtocolException? FindProtocolError(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is HttpProtocolException protocol)
            {
                return protocol;
            }
        }

        return null;
    }

    private void SetStatus(RpcStatus status, Metadata trailers)
    {
        // Reader, writer, deadline timer and Dispose may all try to end the call; the first one wins.
        if (Interlocked.CompareExchange(ref _outcome, new Outcome(status, trailers), null) is not null)
        {
            return;
        }

        _deadlineTimer?.Dispose();
        if (status.Code != StatusCode.OK)
        {
            // No more request messages are useful once the call has failed.
            RequestContent?.Abort();
        }
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        CancelCall();
    }

    private void CancelCall()
    {
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: the call is over.
        }

        // Cancelling the token only resets the stream if a read is pending; disposing an unfinished
        // response always sends RST_STREAM(CANCEL), so the server stops now, not when we are disposed.
        _response?.Dispose();
    }

    /// <summary>How the call ended: set once, atomically.</summary>
    private sealed record Outcome(RpcStatus Status, Metadata Trailers);
}
