using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace EdgeLB.Rpc.Server;

/// <summary>Binds a <see cref="Method{TRequest, TResponse}"/> to its handler and runs calls of it.</summary>
internal sealed class ServerMethod<TRequest, TResponse> : IServerMethod
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly Method<TRequest, TResponse> _method;
    private readonly Func<ServerCall<TRequest, TResponse>, Task> _invoke;
    private readonly int? _maxReceiveMessageSize;

    public ServerMethod(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
        : this(method, maxReceiveMessageSize, MethodType.Unary, async call =>
        {
            var request = await call.RequestStream.ReadSingleAsync();
            var response = await handler(request, call.Context);
            await call.WriteUnaryResponseAsync(response);
        })
    {
    }

    public ServerMethod(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
        : this(method, maxReceiveMessageSize, MethodType.ServerStreaming, async call =>
        {
            var request = await call.RequestStream.ReadSingleAsync();
            await handler(request, call, call.Context);
        })
    {
    }

    public ServerMethod(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
        : this(method, maxReceiveMessageSize, MethodType.ClientStreaming, async call =>
        {
            var response = await handler(call.RequestStream, call.Context);
            await call.WriteUnaryResponseAsync(response);
        })
    {
    }

    public ServerMethod(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
        : this(method, maxReceiveMessageSize, MethodType.DuplexStreaming, call => handler(call.RequestStream, call, call.Context))
    {
    }

    private ServerMethod(Method<TRequest, TResponse> method, int? maxReceiveMessageSize, MethodType expected, Func<ServerCall<TRequest, TResponse>, Task> invoke)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Type != expected)
        {
            throw new ArgumentException($"{method.Path} is a {method.Type} method, but a {expected} handler was given.", nameof(method));
        }

        _method = method;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        _invoke = invoke;
    }

    public string Path => _method.Path;

    public async Task HandleAsync(HttpContext http, RpcServer server, TimeSpan? timeout)
    {
        using var call = new ServerCall<TRequest, TResponse>(http, server, _method, _maxReceiveMessageSize ?? server.Options.MaxReceiveMessageSize, timeout);
        await call.RunAsync(_invoke);
    }
}
