using Google.Protobuf;

namespace EdgeLB.Rpc;

/// <summary>
/// Describes one RPC method: its shape, its HTTP/2 path and how to parse its messages. Parsers are
/// the generated <see cref="MessageParser{T}"/> instances, so no reflection runs per call.
/// </summary>
public sealed class Method<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    public Method(MethodType type, string serviceName, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
    {
        ArgumentException.ThrowIfNullOrEmpty(serviceName);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Type = type;
        ServiceName = serviceName;
        Name = name;
        RequestParser = requestParser ?? throw new ArgumentNullException(nameof(requestParser));
        ResponseParser = responseParser ?? throw new ArgumentNullException(nameof(responseParser));
        Path = "/" + serviceName + "/" + name;
    }

    public MethodType Type { get; }

    /// <summary>Fully qualified service name, e.g. "edgelb.v1.Coordinator".</summary>
    public string ServiceName { get; }

    public string Name { get; }

    /// <summary>The HTTP/2 :path, e.g. "/edgelb.v1.Coordinator/Session" (case-sensitive).</summary>
    public string Path { get; }

    public MessageParser<TRequest> RequestParser { get; }

    public MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => Path;
}
