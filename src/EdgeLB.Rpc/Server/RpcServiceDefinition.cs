using Google.Protobuf;

namespace EdgeLB.Rpc.Server;

/// <summary>The methods of one service and their handlers: the explicit method table a server serves.</summary>
public sealed class RpcServiceDefinition
{
    private RpcServiceDefinition(IReadOnlyList<IServerMethod> methods) => Methods = methods;

    internal IReadOnlyList<IServerMethod> Methods { get; }

    public static Builder CreateBuilder() => new();

    /// <summary>Collects handlers; each Add checks that the handler shape matches the method type.</summary>
    public sealed class Builder
    {
        private readonly List<IServerMethod> _methods = [];

        internal Builder()
        {
        }

        public Builder AddUnary<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler));
            return this;
        }

        public Builder AddServerStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler));
            return this;
        }

        public Builder AddClientStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler));
            return this;
        }

        public Builder AddDuplexStreaming<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse> handler)
            where TRequest : class, IMessage<TRequest>
            where TResponse : class, IMessage<TResponse>
        {
            ArgumentNullException.ThrowIfNull(handler);
            _methods.Add(new ServerMethod<TRequest, TResponse>(method, handler));
            return this;
        }

        public RpcServiceDefinition Build() => new([.. _methods]);
    }
}
