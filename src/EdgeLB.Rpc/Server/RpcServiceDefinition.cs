using Google.Protobuf;

namespace EdgeLB.Rpc.Server;

/// <summary>The methods of one service and their handlers: the explicit method table a server serves.</summary>
public sealed class RpcServiceDefinition
{
    private RpcServiceDefinition(IReadOnlyList<IServerMethod> methods) => Methods = methods;

    internal IReadOnlyList<IServerMethod> Methods { get; }

    public static Builder CreateBuilder() => new();

    /// <summary>
    /// Collects handlers; each Add checks that the handler shape matches the method type. A method's
    /// own <c>maxReceiveMessageSize</c> replaces <see cref="RpcServerOptions.MaxReceiveMessageSize"/>
    /// for its requests, so a method whose messages are small refuses large ones from the length
    /// prefix alone, before any of the body is held.
    /// </summary>
    public sealed class Builder
    {
        private readonly List<IServerMethod> _methods = [];

        internal Builder()
        {
        }

        public Builder AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler, CheckedLimit(maxReceiveMessageSize)));
            return this;
        }

        public Builder AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler, CheckedLimit(maxReceiveMessageSize)));
            return this;
        }

        public Builder AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler, CheckedLimit(maxReceiveMessageSize)));
            return this;
        }

        public Builder AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler, int? maxReceiveMessageSize = null)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler, CheckedLimit(maxReceiveMessageSize)));
            return this;
        }

        public RpcServiceDefinition Build() => new([.. _methods]);

        private static int? CheckedLimit(int? maxReceiveMessageSize) =>
            maxReceiveMessageSize is <= 0 ? throw new ArgumentOutOfRangeException(nameof(maxReceiveMessageSize), "A message size limit must be positive.") : maxReceiveMessageSize;
    }
}
