using EdgeLB.Rpc.Server;
using EdgeLB.Rpc.Tests.Interop;
using Google.Protobuf;

namespace EdgeLB.Rpc.Tests.Infrastructure;

/// <summary>Our implementation of the interop service, with counters the tests read.</summary>
internal sealed class InteropService
{
    private int _cancelled;
    private int _completed;
    private int _activeHandlers;

    public int Cancelled => Volatile.Read(ref _cancelled);

    /// <summary>Handlers running now (any method).</summary>
    public int ActiveHandlers => Volatile.Read(ref _activeHandlers);

    public RpcServiceDefinition CreateDefinition() =>
        RpcServiceDefinition.CreateBuilder()
            .AddUnary(InteropMethods.Unary, UnaryAsync)
            .AddServerStreaming(InteropMethods.ServerStream, ServerStreamAsync)
            .AddClientStreaming(InteropMethods.ClientStream, ClientStreamAsync)
            .AddDuplexStreaming(InteropMethods.Bidi, BidiAsync)
            .AddUnary(InteropMethods.Fail, FailAsync)
            .AddUnary(InteropMethods.Sleep, SleepAsync)
            .AddUnary(InteropMethods.GetStats, (_, _) => Task.FromResult(new Stats { Cancelled = Cancelled, Completed = Volatile.Read(ref _completed) }))
            .Build();

    private static Task<EchoReply> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        context.ResponseTrailers.Add("x-trailer", "done");
        return Task.FromResult(new EchoReply
        {
            Message = request.Message,
            Payload = request.Payload,
            Authorization = context.GetBearerToken() ?? string.Empty,
            Metadata = context.RequestHeaders.Get("x-echo") ?? string.Empty,
        });
    }

    private async Task ServerStreamAsync(StreamRequest request, IRpcStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        await TrackAsync(async () =>
        {
            var payload = ByteString.CopyFrom(new byte[request.PayloadSize]);
            for (var i = 0; request.Count < 0 || i < request.Count; i++)
            {
                await responses.WriteAsync(new EchoReply { Index = i, Payload = payload }, context.CancellationToken);
                if (request.IntervalMs > 0)
                {
                    await Task.Delay(request.IntervalMs, context.CancellationToken);
                }
            }
        });
    }

    private async Task<Summary> ClientStreamAsync(IRpcStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var summary = new Summary();
        var parts = new List<string>();
        await TrackAsync(async () =>
        {
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                summary.Count++;
                summary.TotalBytes += request.Payload.Length;
                parts.Add(request.Message);
            }
        });
        summary.Joined = string.Join(',', parts);
        return summary;
    }

    private async Task BidiAsync(IRpcStreamReader<EchoRequest> requests, IRpcStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        await TrackAsync(async () =>
        {
            var index = 0;
            await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
            {
                await responses.WriteAsync(new EchoReply { Message = request.Message, Payload = request.Payload, Index = index++ }, context.CancellationToken);
            }
        });
    }

    private static Task<Empty> FailAsync(FailRequest request, ServerCallContext context)
    {
        var trailers = new Metadata { { "x-fail", "yes" } };
        throw new RpcException(new RpcStatus((StatusCode)request.Code, request.Message), trailers);
    }

    private async Task<SleepReply> SleepAsync(SleepRequest request, ServerCallContext context)
    {
        await TrackAsync(() => Task.Delay(request.Milliseconds, context.CancellationToken));
        return new SleepReply { Completed = true };
    }

    private async Task TrackAsync(Func<Task> body)
    {
        Interlocked.Increment(ref _activeHandlers);
        try
        {
            await body();
            Interlocked.Increment(ref _completed);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _cancelled);
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _activeHandlers);
        }
    }
}
