using System.IO.Pipelines;
using EdgeLB.Rpc.Framing;
using Google.Protobuf;

namespace EdgeLB.Rpc.Client;

/// <summary>Writes request messages of a client-streaming or bidi call into the HTTP/2 request body.</summary>
internal sealed class ClientStreamWriter<TRequest, TResponse> : IClientStreamWriter<TRequest>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly ClientCall<TRequest, TResponse> _call;
    private readonly StreamingRequestContent _content;
    private PipeWriter? _writer;
    private int _writing;
    private bool _completed;

    public ClientStreamWriter(ClientCall<TRequest, TResponse> call, StreamingRequestContent content)
    {
        _call = call;
        _content = content;
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_completed)
        {
            throw new InvalidOperationException("The request stream was already completed.");
        }

        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            throw new InvalidOperationException("Another write is still in progress; await each write before the next.");
        }

        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(_call.CallToken, cancellationToken);
            var stream = await _content.StreamAsync.WaitAsync(linked.Token);
            _writer ??= PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            MessageFramer.Write(_writer, message, _call.MaxSendMessageSize);
            await _writer.FlushAsync(linked.Token);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw await _call.FailWriteAsync(ex);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public async Task CompleteAsync()
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        try
        {
            if (_writer is not null)
            {
                await _writer.CompleteAsync();
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException)
        {
            throw await _call.FailWriteAsync(ex);
        }
        finally
        {
            _content.Complete();
        }
    }
}
