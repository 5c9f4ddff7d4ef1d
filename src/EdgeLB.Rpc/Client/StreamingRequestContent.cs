using System.Net;
using EdgeLB.Rpc.Framing;

namespace EdgeLB.Rpc.Client;

/// <summary>
/// The body of a client-streaming or bidi request. HttpClient calls SerializeToStreamAsync once the
/// request is under way; we flush the HEADERS frame, hand the stream to the call's writer and keep
/// the body open until the writer completes it.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent()
    {
        Headers.TryAddWithoutValidation("Content-Type", GrpcProtocol.ContentType);
    }

    public Task<Stream> StreamAsync => _stream.Task;

    /// <summary>Ends the body normally (END_STREAM).</summary>
    public void Complete() => _done.TrySetResult();

    /// <summary>Ends the body because the call is over; HttpClient resets the stream if it is still open.</summary>
    public void Abort()
    {
        _stream.TrySetCanceled();
        _done.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // Send the request headers now: the server may answer before we write anything.
        await stream.FlushAsync(cancellationToken);
        _stream.TrySetResult(stream);
        await _done.Task.WaitAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}
