using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using EdgeLB.Rpc.Contract.V1;
using Google.Protobuf;

namespace EdgeLB.Testing;

/// <summary>
/// A Coordinator.Session call as a hostile peer makes it: hand-made HTTP/2 (no gRPC client), a
/// first message whose length prefix declares <c>declaredLength</c> bytes, followed by only the
/// bytes it is given, and a request body left open until the call is disposed. A server that waits
/// for the whole message before answering never answers such a call.
/// </summary>
public sealed class HostileSessionCall : IAsyncDisposable
{
    public const string SessionPath = "/edgelb.v1.Coordinator/Session";

    private readonly HttpMessageInvoker _invoker;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<(string? Status, string? Message)> _outcome;

    private HostileSessionCall(HttpMessageInvoker invoker, Uri controller, string? token, uint declaredLength, ReadOnlyMemory<byte> sent, TimeSpan timeout)
    {
        _invoker = invoker;
        _outcome = RunAsync(controller, token, declaredLength, sent, timeout);
    }

    /// <summary>
    /// Starts the call on <paramref name="handler"/> (one handler per connection wanted). With
    /// <paramref name="sent"/> shorter than <paramref name="declaredLength"/> the message never completes.
    /// </summary>
    public static HostileSessionCall Start(HttpMessageHandler handler, Uri controller, string? token, uint declaredLength, ReadOnlyMemory<byte> sent, TimeSpan timeout) =>
        new(new HttpMessageInvoker(handler, disposeHandler: false), controller, token, declaredLength, sent, timeout);

    /// <summary>A SpeakerMessage holding a Hello of exactly <paramref name="size"/> bytes, nearly all of it node name.</summary>
    public static byte[] HelloOfSize(int size)
    {
        var name = size - 16;
        var bytes = new SpeakerMessage { Hello = new Hello { NodeName = new string('n', name) } }.ToByteArray();
        bytes = new SpeakerMessage { Hello = new Hello { NodeName = new string('n', name + size - bytes.Length) } }.ToByteArray();
        return bytes.Length == size ? bytes : throw new ArgumentOutOfRangeException(nameof(size), $"cannot make a Hello of {size} bytes");
    }

    /// <summary>A handler that speaks h2c with prior knowledge, as gRPC clients do.</summary>
    public static SocketsHttpHandler NewConnection() => new() { EnableMultipleHttp2Connections = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };

    /// <summary>grpc-status (headers or trailers) and grpc-message; null status when the stream was reset without one.</summary>
    public Task<(string? Status, string? Message)> OutcomeAsync() => _outcome;

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await ((Task)_outcome).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _invoker.Dispose();
    }

    private async Task<(string? Status, string? Message)> RunAsync(Uri controller, string? token, uint declaredLength, ReadOnlyMemory<byte> sent, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(controller, SessionPath))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new OpenBody(this, declaredLength, sent),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        }

        try
        {
            using var response = await _invoker.SendAsync(request, cts.Token);
            if (Header(response.Headers, "grpc-status") is { } early)
            {
                return (early, Header(response.Headers, "grpc-message"));
            }

            await response.Content.CopyToAsync(Stream.Null, cts.Token);
            return (Header(response.TrailingHeaders, "grpc-status"), Header(response.TrailingHeaders, "grpc-message"));
        }
        catch (HttpRequestException)
        {
            return (null, "the stream was reset");
        }
        finally
        {
            _release.TrySetResult();
        }
    }

    private static string? Header(HttpHeaders headers, string name) => headers.TryGetValues(name, out var values) ? values.First() : null;

    /// <summary>The request body: the prefix, the given bytes, then nothing until the call is released.</summary>
    private sealed class OpenBody(HostileSessionCall call, uint declaredLength, ReadOnlyMemory<byte> sent) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var prefix = new byte[5];
            BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), declaredLength);
            try
            {
                await stream.WriteAsync(prefix);
                const int Chunk = 16 * 1024;
                for (var offset = 0; offset < sent.Length && !call._release.Task.IsCompleted; offset += Chunk)
                {
                    var piece = sent.Slice(offset, Math.Min(Chunk, sent.Length - offset));
                    await stream.WriteAsync(piece);
                }

                await stream.FlushAsync();
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException)
            {
                // The server answered and reset the stream while we were still writing: expected.
                return;
            }

            await call._release.Task;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
