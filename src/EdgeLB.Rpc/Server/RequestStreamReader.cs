using System.IO.Pipelines;
using EdgeLB.Rpc.Framing;
using Google.Protobuf;

namespace EdgeLB.Rpc.Server;

/// <summary>Reads request messages from the HTTP/2 request body.</summary>
internal sealed class RequestStreamReader<T> : IRpcStreamReader<T>
    where T : class, IMessage<T>
{
    private readonly PipeReader _reader;
    private readonly MessageParser<T> _parser;
    private readonly ServerCallContext _context;
    private readonly CancellationToken _callToken;
    private readonly CancellationToken _requestAborted;
    private T? _current;

    public RequestStreamReader(PipeReader reader, MessageParser<T> parser, ServerCallContext context, CancellationToken callToken, CancellationToken requestAborted)
    {
        _reader = reader;
        _parser = parser;
        _context = context;
        _callToken = callToken;
        _requestAborted = requestAborted;
    }

    public T Current => _current ?? throw new InvalidOperationException("MoveNextAsync has not returned true.");

    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        using var linked = cancellationToken.CanBeCanceled
            ? CancellationTokenSource.CreateLinkedTokenSource(_callToken, cancellationToken)
            : null;
        var token = linked?.Token ?? _callToken;
        try
        {
            _current = await MessageFramer.ReadAsync(_reader, _parser, _context.MaxReceiveMessageSize, token);
        }
        catch (Exception ex) when (ex is IOException || (ex is OperationCanceledException && _requestAborted.IsCancellationRequested))
        {
            // Kestrel reports a reset stream or a lost connection as an I/O error on the body, and
            // may do so before RequestAborted fires; to handlers it is cancellation.
            throw new OperationCanceledException("The client cancelled the call.", ex, _callToken);
        }

        return _current is not null;
    }

    /// <summary>Reads exactly one message followed by the end of the stream (unary and server-streaming requests).</summary>
    public async ValueTask<T> ReadSingleAsync()
    {
        if (!await MoveNextAsync())
        {
            throw new RpcException(StatusCode.Internal, "The request ended without a message.");
        }

        var message = _current!;
        if (await MoveNextAsync())
        {
            throw new RpcException(StatusCode.Internal, "The request carried more than one message.");
        }

        _current = message;
        return message;
    }
}
