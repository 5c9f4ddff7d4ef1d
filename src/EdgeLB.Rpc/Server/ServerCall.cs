using EdgeLB.Rpc.Framing;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeLB.Rpc.Server;

/// <summary>
/// Per-call state on the server: the response writer, the deadline and the one-time finish that
/// writes the status. Writes and the finish share a lock because a deadline may finish the call
/// while the handler is still writing.
/// </summary>
internal sealed class ServerCall<TRequest, TResponse> : IRpcStreamWriter<TResponse>, IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly HttpContext _http;
    private readonly RpcServer _server;
    private readonly Method<TRequest, TResponse> _method;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _cts;
    private readonly ITimer? _deadlineTimer;
    private readonly TaskCompletionSource? _deadlineReached;
    private volatile bool _deadlineExceeded;
    private bool _finished;
    private bool _messageWritten;

    public ServerCall(HttpContext http, RpcServer server, Method<TRequest, TResponse> method, int maxReceiveMessageSize, TimeSpan? timeout)
    {
        _http = http;
        _server = server;
        _method = method;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var deadline = DateTimeOffset.MaxValue;
        if (timeout is { } t)
        {
            deadline = server.TimeProvider.GetUtcNow() + t;
            _deadlineReached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _deadlineTimer = server.TimeProvider.CreateTimer(static s => ((ServerCall<TRequest, TResponse>)s!).OnDeadline(), this, t, Timeout.InfiniteTimeSpan);
        }

        Context = new ServerCallContext(http, method.Path, deadline, maxReceiveMessageSize, _cts.Token);
        RequestStream = new RequestStreamReader<TRequest>(http.Request.BodyReader, method.RequestParser, Context, _cts.Token, http.RequestAborted);

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
    }

    public ServerCallContext Context { get; }

    public RequestStreamReader<TRequest> RequestStream { get; }

    public async Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ThrowIfFinished();
            MessageFramer.Write(_http.Response.BodyWriter, message, _server.Options.MaxSendMessageSize);
            _messageWritten = true;
            await _http.Response.BodyWriter.FlushAsync(_cts.Token);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Runs the handler and finishes the call with its outcome; never throws.</summary>
    public async Task RunAsync(Func<ServerCall<TRequest, TResponse>, Task> handler)
    {
        var handlerTask = CaptureAsync(handler);
        if (_deadlineReached is not null)
        {
            var first = await Task.WhenAny(handlerTask, _deadlineReached.Task);
            if (first != handlerTask)
            {
                // The handler may ignore its token; the client must still get its status now.
                await FinishAsync(new RpcStatus(StatusCode.DeadlineExceeded, "Deadline exceeded."), trailers: null);
                _ = await handlerTask;
                return;
            }
        }

        var (status, trailers) = await handlerTask;
        if (_deadlineExceeded)
        {
            status = new RpcStatus(StatusCode.DeadlineExceeded, "Deadline exceeded.");
        }

        await FinishAsync(status, trailers);
    }

    /// <summary>Writes the unary response without flushing, so headers, message and trailers leave together.</summary>
    public async Task WriteUnaryResponseAsync(TResponse message)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _writeLock.WaitAsync();
        try
        {
            ThrowIfFinished();
            MessageFramer.Write(_http.Response.BodyWriter, message, _server.Options.MaxSendMessageSize);
            _messageWritten = true;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Dispose()
    {
        _deadlineTimer?.Dispose();
        _cts.Dispose();
        _writeLock.Dispose();
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        _deadlineReached!.TrySetResult();
        try
        {
            _cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call finished as the timer fired.
        }
    }

    private void ThrowIfFinished()
    {
        if (_finished)
        {
            throw new InvalidOperationException("The call has already finished; no more messages can be written.");
        }
    }

    private async Task<(RpcStatus Status, Metadata? Trailers)> CaptureAsync(Func<ServerCall<TRequest, TResponse>, Task> handler)
    {
        try
        {
            await handler(this);
            return (RpcStatus.Ok, null);
        }
        catch (RpcException ex)
        {
            return (ex.Status, ex.Trailers);
        }
        catch (OperationCanceledException) when (_deadlineExceeded)
        {
            return (new RpcStatus(StatusCode.DeadlineExceeded, "Deadline exceeded."), null);
        }
        catch (Exception ex) when (IsClientGone(ex))
        {
            return (new RpcStatus(StatusCode.Cancelled, "The client cancelled the call."), null);
        }
        catch (Exception ex)
        {
            RpcServerLog.HandlerFailed(_server.Logger, _method.Path, ex);
            return (new RpcStatus(StatusCode.Unknown, "Exception was thrown by handler."), null);
        }
    }

    /// <summary>True for the ways Kestrel and our reader report a reset stream or a lost connection.</summary>
    private bool IsClientGone(Exception ex) => ex switch
    {
        IOException or ConnectionAbortedException => true,
        OperationCanceledException oce => _cts.IsCancellationRequested || oce.CancellationToken == _cts.Token || _http.RequestAborted.IsCancellationRequested,
        _ => false,
    };

    private async Task FinishAsync(RpcStatus status, Metadata? trailers)
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            if (_http.RequestAborted.IsCancellationRequested)
            {
                // The stream is gone (client reset or connection lost): nobody to tell.
                RpcServerLog.CallAborted(_server.Logger, _method.Path);
                return;
            }

            var response = _http.Response;
            if (!_messageWritten && !response.HasStarted)
            {
                // Trailers-Only: the status travels in the one and only HEADERS frame.
                WriteStatus(response.Headers, status, Context.ResponseTrailers, trailers);
            }
            else
            {
                var destination = new TrailerWriter(response);
                WriteStatus(destination, status, Context.ResponseTrailers, trailers);
            }

            if (_deadlineExceeded)
            {
                RpcServerLog.DeadlineExceeded(_server.Logger, _method.Path);
                await response.CompleteAsync();
                _http.Features.Get<IHttpResetFeature>()?.Reset(GrpcProtocol.Http2Cancel);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The stream went away while the status was on its way; the client sees a reset.
            RpcServerLog.CallAborted(_server.Logger, _method.Path);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static void WriteStatus(IHeaderDictionary destination, RpcStatus status, Metadata contextTrailers, Metadata? exceptionTrailers)
    {
        AddMetadata(destination, contextTrailers);
        if (exceptionTrailers is not null)
        {
            AddMetadata(destination, exceptionTrailers);
        }

        destination[GrpcProtocol.StatusHeader] = StatusStrings.Get(status.Code);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            destination[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
        }
    }

    private static void WriteStatus(TrailerWriter destination, RpcStatus status, Metadata contextTrailers, Metadata? exceptionTrailers)
    {
        foreach (var (key, value) in contextTrailers)
        {
            destination.Append(key, value);
        }

        if (exceptionTrailers is not null)
        {
            foreach (var (key, value) in exceptionTrailers)
            {
                destination.Append(key, value);
            }
        }

        destination.Append(GrpcProtocol.StatusHeader, StatusStrings.Get(status.Code));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            destination.Append(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        }
    }

    private static void AddMetadata(IHeaderDictionary destination, Metadata metadata)
    {
        foreach (var (key, value) in metadata)
        {
            destination.Append(key, value);
        }
    }

    private readonly struct TrailerWriter(HttpResponse response)
    {
        public void Append(string key, string value) => response.AppendTrailer(key, value);
    }
}
